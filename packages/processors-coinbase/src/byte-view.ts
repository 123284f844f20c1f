/**
 * A DataView of the bytes the scanner reads, for comparing four bytes at a time. The reader
 * reuses one buffer for most lines, so the view is rarely made anew.
 */
let viewBytes: Uint8Array | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A view of `bytes` with the same indexes. */
export function viewOf(bytes: Uint8Array): DataView<ArrayBufferLike> {
  if (bytes !== viewBytes) {
    viewBytes = bytes;
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return view;
}
