/** A trace or series that cannot be used, with the line (1-based, header = line 1) when known. */
export class SeriesError extends Error {
  readonly code: 'malformed' | 'irregular-step' | 'too-short' | 'empty';
  readonly line: number | undefined;
  constructor(code: SeriesError['code'], message: string, line?: number) {
    super(line !== undefined ? `line ${line}: ${message}` : message);
    this.name = 'SeriesError';
    this.code = code;
    this.line = line;
  }
}
