/** One regular file of a tar archive. */
export interface TarFile {
  /** Path inside the archive, relative (no leading slash). */
  path: string;
  mode: number;
  content: Buffer;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

function header(file: TarFile, mtimeSeconds: number): Buffer {
  const name = Buffer.from(file.path, "utf8");
  if (name.length > 100) throw new Error(`tar: path "${file.path}" is longer than the 100 bytes this writer supports`);
  const h = Buffer.alloc(BLOCK, 0);
  name.copy(h, 0);
  h.write(octal(file.mode & 0o7777, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii"); // uid: root, as the Docker provider's uploads
  h.write(octal(0, 8), 116, "ascii"); // gid
  h.write(octal(file.content.length, 12), 124, "ascii");
  h.write(octal(mtimeSeconds, 12), 136, "ascii");
  h.write("        ", 148, "ascii"); // checksum placeholder: eight spaces
  h.write("0", 156, "ascii"); // regular file
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(octal(sum, 7) + " ", 148, "ascii");
  return h;
}

/** A POSIX ustar archive of regular files (what `PUT /containers/{id}/archive` extracts). */
export function tarArchive(files: TarFile[], mtime = new Date()): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const parts: Buffer[] = [];
  for (const file of files) {
    parts.push(header(file, seconds), file.content);
    const pad = (BLOCK - (file.content.length % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(2 * BLOCK, 0));
  return Buffer.concat(parts);
}
