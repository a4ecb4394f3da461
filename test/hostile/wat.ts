/**
 * WebAssembly text -> binary, for the hostile modules AssemblyScript cannot
 * express (imported, shared, 64-bit or multiple memories; foreign imports;
 * wrong import signatures). binaryen ships with assemblyscript, so the corpus
 * stays buildable from source with no extra dependency and no checked-in
 * binaries (STYLE 8).
 *
 * Every post-MVP feature is enabled on purpose: the point of these modules is
 * that they are *valid* WebAssembly (V8 would compile them) which pentora's
 * loader must still refuse.
 */

import binaryen from 'binaryen';
import { ErrorCode, PentoraError } from '../../host/errors.ts';

/** binaryen throws plain objects for parse errors; this gets their text. */
function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return String(err);
}

/** Assembles `wat`; `label` names the source in errors. No optimisation: the bytes are what the text says. */
export function watToWasm(wat: string, label: string): Uint8Array {
  let mod: binaryen.Module;
  try {
    mod = binaryen.parseText(wat);
  } catch (err) {
    throw new PentoraError(ErrorCode.WasmInvalid, `${label}: WAT does not parse: ${messageOf(err)}`);
  }
  try {
    mod.setFeatures(binaryen.Features.All);
    if (!mod.validate()) throw new PentoraError(ErrorCode.WasmInvalid, `${label}: WAT does not validate (binaryen printed the reason above)`);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

