/**
 * What a banner names, as matchers build it: a table of ProductRules (the
 * word that marks a product, and the product's names) fills a ProductMatch,
 * which `Banner.print` turns into a `service_fingerprints` record. Which
 * words mark what is the protocol's business; this file holds only the shapes.
 */

import { cpe23 } from "./cpe";

/**
 * What a parser's matcher names, before the endpoint is known: the product
 * fields of a `service_fingerprints` record and its CPE name. Matchers extend
 * it with what their protocol adds (a greeting's text, a host name).
 *
 * @example
 *   const m = new ProductMatch();
 *   m.product = "vsftpd"; m.version = "3.0.3"; m.vendor = "vsftpd_project"; m.cpeProduct = "vsftpd"; m.confidence = 95;
 *   m.cpe() // "cpe:2.3:a:vsftpd_project:vsftpd:3.0.3:*:*:*:*:*:*:*"
 */
export class ProductMatch {
  product: string = "";
  version: string = "";
  /** CPE part: "a" (application), "o" (operating system), "h" (hardware). */
  cpePart: string = "a";
  /** CPE vendor; "" when the product has no CPE name. */
  vendor: string = "";
  cpeProduct: string = "";
  /** False when `version` is not the CPE product's (a module or protocol-stack version): the CPE says "*". */
  cpeVersioned: bool = true;
  osHint: string = "";
  confidence: i32 = 50;

  /** The CPE 2.3 name, or "" when the product has none. */
  cpe(): string {
    if (this.vendor.length == 0) return "";
    return cpe23(this.cpePart, this.vendor, this.cpeProduct, this.cpeVersioned ? this.version : "");
  }
}

/**
 * One row of a matcher's table: the lower-case word (or prefix) that marks a
 * product in a banner, and what to call the product. A rule with no CPE name
 * has an empty `vendor`.
 *
 * @example
 *   const RULES: ProductRule[] = [new ProductRule("vsftpd", "vsftpd", "vsftpd_project", "vsftpd", "")];
 *   RULES[0].applyTo(m, versionAfter(text, lower, "vsftpd"), osFromParens(lower));
 */
export class ProductRule {
  marker: string;
  product: string;
  vendor: string;
  cpeProduct: string;
  /** The OS the product implies ("Windows"), "" when it implies none. */
  osHint: string;
  cpePart: string = "a";
  cpeVersioned: bool = true;

  constructor(marker: string, product: string, vendor: string, cpeProduct: string, osHint: string) {
    this.marker = marker;
    this.product = product;
    this.vendor = vendor;
    this.cpeProduct = cpeProduct;
    this.osHint = osHint;
  }

  /** Names the rule's product in `m` with `version`; the OS hint is the rule's, else `osHint` (what the banner says). */
  applyTo(m: ProductMatch, version: string, osHint: string): void {
    m.product = this.product;
    m.version = version;
    m.cpePart = this.cpePart;
    m.vendor = this.vendor;
    m.cpeProduct = this.cpeProduct;
    m.cpeVersioned = this.cpeVersioned;
    m.osHint = this.osHint.length > 0 ? this.osHint : osHint;
  }
}
