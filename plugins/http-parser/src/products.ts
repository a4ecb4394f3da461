/**
 * Products named by `Server` (RFC 9110 §10.2.4) and `X-Powered-By` fields,
 * and by a few well-known titles. A field value is a list of product tokens
 * `name[/version]` and parenthesised comments: "Apache/2.4.57 (Debian)
 * OpenSSL/3.0.11". Versions are only those the banner spells; CPE names
 * follow the NVD dictionary.
 */

import { versionAt, startsWithLower, printable } from "../../../sdk/assemblyscript/index";

export class Product {
  name: string = "";
  version: string = "";
  /** "" when the product has no CPE name. */
  vendor: string = "";
  cpeProduct: string = "";
  /** The version bound into the CPE: "" when the banner's version is not the product's. */
  cpeVersion: string = "";
  osHint: string = "";
  /** Matched a rule (not just the first word of an unknown Server value). */
  known: bool = false;
  /** Where it came from, e.g. "Server: nginx/1.22.1". */
  evidence: string = "";
}

class Rule {
  token: string;
  name: string;
  vendor: string;
  cpeProduct: string;
  /** False when the token's version belongs to something else (Apache-Coyote/1.1 is not Tomcat 1.1). */
  versioned: bool;
  osHint: string;

  constructor(token: string, name: string, vendor: string, cpeProduct: string, versioned: bool, osHint: string) {
    this.token = token;
    this.name = name;
    this.vendor = vendor;
    this.cpeProduct = cpeProduct;
    this.versioned = versioned;
    this.osHint = osHint;
  }
}

/** Token names (lower-case) as they appear before "/" in Server and X-Powered-By. */
const RULES: Rule[] = [
  new Rule("nginx", "nginx", "f5", "nginx", true, ""),
  new Rule("apache", "Apache httpd", "apache", "http_server", true, ""),
  new Rule("microsoft-iis", "Microsoft IIS", "microsoft", "internet_information_services", true, "Windows"),
  new Rule("microsoft-httpapi", "Microsoft HTTP Server API", "", "", false, "Windows"),
  new Rule("lighttpd", "lighttpd", "lighttpd", "lighttpd", true, ""),
  new Rule("caddy", "Caddy", "caddyserver", "caddy", true, ""),
  new Rule("litespeed", "LiteSpeed Web Server", "litespeedtech", "litespeed_web_server", true, ""),
  new Rule("openlitespeed", "OpenLiteSpeed", "litespeedtech", "openlitespeed", true, ""),
  new Rule("jetty", "Jetty", "eclipse", "jetty", true, ""),
  new Rule("apache-coyote", "Apache Tomcat", "apache", "tomcat", false, ""),
  new Rule("gunicorn", "Gunicorn", "gunicorn", "gunicorn", true, ""),
  new Rule("werkzeug", "Werkzeug", "palletsprojects", "werkzeug", true, ""),
  new Rule("python", "Python", "python", "python", true, ""),
  new Rule("envoy", "Envoy", "envoyproxy", "envoy", true, ""),
  new Rule("openresty", "OpenResty", "openresty", "openresty", true, ""),
  new Rule("openssl", "OpenSSL", "openssl", "openssl", true, ""),
  new Rule("php", "PHP", "php", "php", true, ""),
  new Rule("express", "Express", "expressjs", "express", true, ""),
  new Rule("asp.net", "ASP.NET", "microsoft", "asp.net", false, ""),
  new Rule("next.js", "Next.js", "vercel", "next.js", true, ""),
  new Rule("tornadoserver", "Tornado", "tornadoweb", "tornado", true, ""),
  new Rule("uvicorn", "Uvicorn", "encode", "uvicorn", true, ""),
  new Rule("waitress", "Waitress", "agendaless", "waitress", true, ""),
  new Rule("cherrypy", "CherryPy", "cherrypy", "cherrypy", true, ""),
  new Rule("webrick", "WEBrick", "ruby-lang", "webrick", true, ""),
  new Rule("squid", "Squid", "squid-cache", "squid", true, ""),
  new Rule("thttpd", "thttpd", "acme", "thttpd", true, ""),
  new Rule("mini_httpd", "mini_httpd", "acme", "mini_httpd", true, ""),
  new Rule("goahead-webs", "GoAhead", "embedthis", "goahead", true, ""),
  new Rule("kestrel", "Kestrel", "", "", false, ""),
];

/** OS names that Server comments carry ("Apache/2.4.57 (Debian)", "(Win64)"). Ubuntu before Debian, as packagers write both. */
const OS_MARKERS: string[] = ["ubuntu", "raspbian", "debian", "centos", "red hat", "fedora", "amazon", "almalinux", "rocky", "suse", "freebsd", "win64", "win32"];
const OS_NAMES: string[] = ["Ubuntu", "Raspbian", "Debian", "CentOS", "Red Hat", "Fedora", "Amazon Linux", "AlmaLinux", "Rocky Linux", "SUSE", "FreeBSD", "Windows", "Windows"];

export function osFromComment(comment: string): string {
  if (comment.length == 0) return "";
  const lower = comment.toLowerCase();
  for (let i = 0; i < OS_MARKERS.length; i++) if (lower.includes(unchecked(OS_MARKERS[i]))) return unchecked(OS_NAMES[i]);
  return "";
}

/** One `name[/version]` token with the comments that follow it. */
export class Token {
  name: string = "";
  rawVersion: string = "";
  comment: string = "";
}

const MAX_TOKENS: i32 = 16;
const MAX_COMMENT_DEPTH: i32 = 8;

/** Splits a Server-style value into product tokens and their comments (RFC 9110 §10.1.5/§5.6.5). */
export function tokenize(value: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = value.length;
  while (i < n && out.length < MAX_TOKENS) {
    const c = value.charCodeAt(i);
    if (c == 0x20 || c == 0x09 || c == 0x2c) {
      i++;
      continue;
    }
    if (c == 0x28) {
      // comment = "(" *( ctext / quoted-pair / comment ) ")", nested.
      let depth = 0;
      const start = i + 1;
      for (; i < n; i++) {
        const d = value.charCodeAt(i);
        if (d == 0x5c) i++;
        else if (d == 0x28) depth++;
        else if (d == 0x29 && --depth == 0) break;
        if (depth > MAX_COMMENT_DEPTH) break;
      }
      const text = value.substring(start, min(i, n));
      i++;
      if (out.length > 0) {
        const last = unchecked(out[out.length - 1]);
        last.comment = last.comment.length == 0 ? text : last.comment + "; " + text;
      }
      continue;
    }
    const start = i;
    while (i < n) {
      const d = value.charCodeAt(i);
      if (d == 0x20 || d == 0x09 || d == 0x28 || d == 0x2c) break;
      i++;
    }
    const word = value.substring(start, i);
    const slash = word.indexOf("/");
    const t = new Token();
    t.name = slash < 0 ? word : word.substring(0, slash);
    t.rawVersion = slash < 0 ? "" : word.substring(slash + 1);
    out.push(t);
  }
  return out;
}

function findRule(name: string): Rule | null {
  const lower = name.toLowerCase();
  for (let i = 0; i < RULES.length; i++) if (unchecked(RULES[i]).token == lower) return unchecked(RULES[i]);
  return null;
}

function fromToken(t: Token, r: Rule, evidence: string): Product {
  const p = new Product();
  p.name = r.name;
  p.known = true;
  let v = versionAt(t.rawVersion, 0);
  // Jetty writes its version as a comment: "Jetty(9.4.51.v20230217)".
  if (v.length == 0 && r.token == "jetty") v = versionAt(t.comment, 0);
  if (r.versioned) {
    p.version = v;
    p.cpeVersion = v;
    // The NVD lists Jetty by release, without the ".vYYYYMMDD" build stamp.
    const stamp = v.indexOf(".v");
    if (r.token == "jetty" && stamp > 0) p.cpeVersion = v.substring(0, stamp);
  }
  p.vendor = r.vendor;
  p.cpeProduct = r.cpeProduct;
  p.osHint = r.osHint.length > 0 ? r.osHint : osFromComment(t.comment);
  p.evidence = evidence;
  return p;
}

/**
 * Products in a Server value: every known token, and the first token even
 * when unknown (it names the server; its version is the banner's own).
 */
export function serverProducts(value: string): Product[] {
  const out: Product[] = [];
  const tokens = tokenize(value);
  const evidence = "Server: " + (value.length > 200 ? value.substring(0, 200) : value);
  for (let i = 0; i < tokens.length; i++) {
    const t = unchecked(tokens[i]);
    const r = findRule(t.name);
    if (r !== null) {
      out.push(fromToken(t, r, evidence));
    } else if (i == 0 && t.name.length > 0) {
      const p = new Product();
      // Named as the server names itself, made printable: it is stored and shown.
      p.name = printable(t.name, 128);
      p.version = versionAt(t.rawVersion, 0);
      p.osHint = osFromComment(t.comment);
      p.evidence = evidence;
      out.push(p);
    }
  }
  return out;
}

/** Known products in an X-Powered-By value ("PHP/8.2.7", "Express", "ASP.NET"); unknown items are left in the fields. */
export function poweredByProducts(value: string): Product[] {
  const out: Product[] = [];
  const tokens = tokenize(value);
  const evidence = "X-Powered-By: " + (value.length > 200 ? value.substring(0, 200) : value);
  for (let i = 0; i < tokens.length; i++) {
    const r = findRule(unchecked(tokens[i]).name);
    if (r !== null) out.push(fromToken(unchecked(tokens[i]), r, evidence));
  }
  return out;
}

/** Tomcat's default pages title themselves "Apache Tomcat/9.0.65": the version Apache-Coyote hides. */
export function titleProduct(title: string): Product | null {
  if (!startsWithLower(title, "apache tomcat/")) return null;
  const v = versionAt(title, 14);
  if (v.length == 0) return null;
  const p = new Product();
  p.name = "Apache Tomcat";
  p.version = v;
  p.cpeVersion = v;
  p.vendor = "apache";
  p.cpeProduct = "tomcat";
  p.known = true;
  p.evidence = "title: " + title;
  return p;
}

/** Adds `p` unless the same product is there; a versioned sighting fills in an unversioned one. */
export function mergeProduct(list: Product[], p: Product): void {
  for (let i = 0; i < list.length; i++) {
    const q = unchecked(list[i]);
    if (q.name != p.name) continue;
    if (q.version.length == 0 && p.version.length > 0) {
      q.version = p.version;
      q.cpeVersion = p.cpeVersion;
      q.evidence = q.evidence + "; " + p.evidence;
    }
    return;
  }
  list.push(p);
}
