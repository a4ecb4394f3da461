/**
 * Reading a DataContext list page by page, so a plugin's memory holds one
 * page of records rather than the whole list (a 4 KiB banner costs about
 * 32 KiB of guest memory once its reply is decoded and parsed). A page is
 * bounded both in records and in bytes of JSON, so it stays small whether the
 * records are 100 bytes or 1 MiB each.
 *
 * @example
 *   // a record at a time (the pages are fetched behind it):
 *   const banners = new ContextRecords("banners");
 *   for (let b = banners.next(); b !== null; b = banners.next()) handle(b);
 *   ctx.summary.setInt("banners", banners.seen);
 *
 *   // or a page at a time:
 *   const pages = new ContextPages("open_ports");
 *   for (let page = pages.next(); page.len() > 0; page = pages.next()) handleAll(page.values());
 */

import { JsonValue } from "./json";
import { contextGetPage, MAX_CONTEXT_PAGE } from "./host";

/** Records per page unless asked otherwise. */
export const PAGE_RECORDS: i32 = 256;
/**
 * Bytes of JSON per page unless asked otherwise. A reply costs the guest
 * about eight times its size at the peak (the UTF-8 buffer, a UTF-16 copy,
 * the parsed tree's strings), so 1 MiB keeps a page near 8 MiB.
 */
export const PAGE_BYTES: i32 = 1 << 20;

/** The pages of one key, in the order `contextGet` would list the records. */
export class ContextPages {
  readonly key: string;
  /** Records per host call, 1..MAX_CONTEXT_PAGE. */
  readonly pageSize: i32;
  /** Bytes of JSON per host call (0: no byte bound). */
  readonly pageBytes: i32;
  /** Records handed out so far: the list's length once next() gave an empty page. */
  seen: i32 = 0;
  private done: bool = false;

  constructor(key: string, pageSize: i32 = PAGE_RECORDS, pageBytes: i32 = PAGE_BYTES) {
    this.key = key;
    this.pageSize = min(max(pageSize, 1), MAX_CONTEXT_PAGE);
    this.pageBytes = max(pageBytes, 0);
  }

  /**
   * The next page, or an empty array once the list is exhausted (or the host
   * refused the read, which contextGetPage logs). Only an empty page ends
   * the list: a short one may just have met the byte bound.
   */
  next(): JsonValue {
    if (this.done) return JsonValue.arr();
    // What the caller dropped of earlier pages is reclaimed before the next
    // reply is allocated, so the heap does not creep up page after page.
    __collect();
    const page = contextGetPage(this.key, this.seen, this.pageSize, this.pageBytes);
    const n = page.len();
    this.seen += n;
    if (n == 0) this.done = true;
    return page;
  }
}

/** The records of one key, one at a time, fetched a page at a time. */
export class ContextRecords {
  private pages: ContextPages;
  private page: JsonValue = JsonValue.arr();
  private at: i32 = 0;
  /** Records handed out so far: the list's length once next() gave null. */
  seen: i32 = 0;

  constructor(key: string, pageSize: i32 = PAGE_RECORDS, pageBytes: i32 = PAGE_BYTES) {
    this.pages = new ContextPages(key, pageSize, pageBytes);
  }

  /** The next record, or null at the end of the list. */
  next(): JsonValue | null {
    if (this.at >= this.page.len()) {
      // Drop our hold on the finished page first, so ContextPages can reclaim it.
      this.page = JsonValue.arr();
      this.page = this.pages.next();
      this.at = 0;
      if (this.page.len() == 0) return null;
    }
    this.seen++;
    return this.page.at(this.at++);
  }
}
