/**
 * The scaffolding of a banner parser's table-driven test: captured banners
 * (the plugin's test/fixtures) run through the sandbox as `banners` records of
 * one host, then checked per port. Each parser's test keeps its own cases and
 * protocol checks; this holds what they all do around them.
 *
 * @example
 *   const t = new ParserTable({ plugin: 'plugins/ssh-parser', host: '192.0.2.10', probe: 'passive', dir: import.meta.dirname });
 *   describe('ssh-parser: captured identification strings', () => {
 *     const run = t.captured(CASES, 2200);
 *     it.each(run.cases)('$file', (c) => t.expectPrint(t.printsAt(run.result(), c.port)[0], { service: 'ssh', ...c }));
 *   });
 *   describe('ssh-parser: not SSH', () => t.yieldsNothing([['an SMTP greeting', t.fixture('not-ssh-smtp.txt')]], 22));
 */

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { runPlugin, type RunResult } from './harness.ts';

export type Rec = Record<string, unknown>;

/** Banner bytes: a Buffer as captured, or a string of latin1 chars (one per byte). */
export type BannerData = Buffer | string;

/** A CPE 2.3 application name, as the parsers write it (`*` for no version). */
export const cpe = (vendor: string, product: string, version = '*'): string => `cpe:2.3:a:${vendor}:${product}:${version}:*:*:*:*:*:*:*`;

/** The records of one port. */
export const atPort = (items: unknown[] | undefined, port: number): Rec[] => ((items ?? []) as Rec[]).filter((x) => x.port === port);

/** What one `service_fingerprints` record must name; an absent field must be absent from the record too. */
export interface ExpectedPrint {
  product?: string | undefined;
  version?: string | undefined;
  cpe?: string | undefined;
  os_hint?: string | undefined;
  confidence: number;
}

/** An ExpectedPrint of one service. */
export interface WantPrint extends ExpectedPrint {
  service: string;
}

/** A table row: a captured banner and the one fingerprint it should give (the parser's test adds its fields). */
export interface FixtureCase extends ExpectedPrint {
  file: string;
}

export interface ParserTableOptions {
  /** The plugin folder, relative to the repo. */
  plugin: string;
  /** The host every banner is recorded for. */
  host: string;
  /** The banners' `probe` field. */
  probe: string;
  /** The test file's folder (`import.meta.dirname`): fixtures are in its `fixtures/`. */
  dir: string;
}

export class ParserTable {
  readonly plugin: string;
  readonly host: string;
  readonly probe: string;
  private readonly fixtures: string;

  constructor(opts: ParserTableOptions) {
    this.plugin = opts.plugin;
    this.host = opts.host;
    this.probe = opts.probe;
    this.fixtures = path.join(opts.dir, 'fixtures');
  }

  /** A captured banner from the test's fixtures/ (a bound function: `const { fixture, banner } = table`). */
  readonly fixture = (name: string): Buffer => fs.readFileSync(path.join(this.fixtures, name));

  /** A `banners` record of `data` read from the table's host at `port`; `extra` adds or overrides fields (`tls`, `host`). */
  readonly banner = (port: number, data: BannerData, extra: Rec = {}): Rec => ({
    host: this.host,
    port,
    protocol: 'tcp',
    probe: this.probe,
    data_b64: (typeof data === 'string' ? Buffer.from(data, 'latin1') : data).toString('base64'),
    ...extra,
  });

  /** Runs the plugin in the sandbox over these `banners`. */
  run(banners: Rec[]): Promise<RunResult> {
    return runPlugin({ plugin: this.plugin, context: { banners } });
  }

  /**
   * Runs every case's fixture in one scan before the describe block's tests,
   * case i at `basePort + i`. `cases` are the table with each one's port;
   * `result()` the run (only inside a test).
   */
  captured<C extends { file: string }>(table: C[], basePort: number): { cases: Array<C & { port: number }>; result: () => RunResult; portOf: (file: string) => number } {
    let r: RunResult | undefined;
    beforeAll(async () => {
      r = await this.run(table.map((c, i) => this.banner(basePort + i, this.fixture(c.file))));
    });
    return {
      cases: table.map((c, i) => ({ ...c, port: basePort + i })),
      result: () => {
        if (r === undefined) throw new Error('ParserTable.captured: the run has not happened yet (call result() inside a test)');
        return r;
      },
      portOf: (file) => basePort + table.findIndex((c) => c.file === file),
    };
  }

  /** The run finished, with these many records written and a summary holding `summary`. */
  expectWritten(r: RunResult, want: { services: number; prints: number; summary: Rec }): void {
    expect(r.state, r.error).toBe('done');
    expect(r.written.parsed_services).toHaveLength(want.services);
    expect(r.written.service_fingerprints).toHaveLength(want.prints);
    expect(r.output.summary).toMatchObject(want.summary);
  }

  /** One service and one fingerprint per case, every banner identified; `summary` adds the parser's own counts. */
  expectOnePerCase(r: RunResult, cases: number, summary: Rec = {}): void {
    this.expectWritten(r, { services: cases, prints: cases, summary: { banners: cases, identified: cases, ...summary } });
  }

  /** The fingerprints of one port, in the order written. */
  printsAt(r: RunResult, port: number): Rec[] {
    return atPort(r.written.service_fingerprints, port);
  }

  /** The `fields` of the port's parsed_services record. */
  fieldsAt(r: RunResult, port: number): Rec {
    return atPort(r.written.parsed_services, port)[0]!.fields as Rec;
  }

  /** A fingerprint of the table's host over TCP from a banner, naming exactly `want` (absent means absent). */
  expectPrint(fp: Rec | undefined, want: WantPrint): void {
    expect(fp).toMatchObject({ host: this.host, protocol: 'tcp', service: want.service, source: 'banner', confidence: want.confidence });
    expect(fp!.product).toBe(want.product);
    expect(fp!.version).toBe(want.version);
    expect(fp!.cpe).toBe(want.cpe);
    expect(fp!.os_hint).toBe(want.os_hint);
  }

  /** The port's only fingerprint, checked against `want`. */
  expectOnePrint(r: RunResult, port: number, want: WantPrint): Rec {
    const [fp, ...more] = this.printsAt(r, port);
    expect(more).toHaveLength(0);
    this.expectPrint(fp, want);
    return fp!;
  }

  /**
   * One test per case: a single banner of that data at `port` runs to
   * completion, writes nothing, and is counted as read but not identified.
   */
  yieldsNothing(cases: Array<[string, BannerData]>, port: number): void {
    it.each(cases)('%s yields nothing', async (_name, data) => {
      const r = await this.run([this.banner(port, data)]);
      expect(r.state, r.error).toBe('done');
      expect(r.written.parsed_services ?? []).toHaveLength(0);
      expect(r.written.service_fingerprints ?? []).toHaveLength(0);
      expect(r.output.summary).toMatchObject({ banners: 1, identified: 0 });
    });
  }
}
