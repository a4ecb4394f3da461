/**
 * The abort handler. AssemblyScript calls `abort(msg, file, line, col)` on a
 * failed assertion, an out-of-bounds access or out-of-memory, and by default
 * imports it from `env`, which the loader refuses. The build passes
 * `--use abort=<this file>/pentoraAbort`, so every such call goes straight to
 * the ABI's `pentora.abort` import, which traps the instance.
 *
 * Arguments are as AssemblyScript passes them: `msg` and `file` point to
 * AssemblyScript strings (UTF-16LE, byte length in the u32 at ptr - 4) or are
 * 0; `line`/`col` are 1-based.
 */

// @ts-ignore: decorator
@external("pentora", "abort")
declare function pentoraAbort(msg: usize, file: usize, line: u32, col: u32): void;
