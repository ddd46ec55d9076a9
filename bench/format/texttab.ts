/**
 * Fixed-width text table layout, a port of benchstat's internal texttab so the
 * compare table lines up exactly as benchstat's does: cells may span columns,
 * carry a left margin (" │ ", " ± "), and "shrink" columns never grow to fit a span.
 */
type Align = "left" | "center" | "right";

interface Cell {
  row: number;
  col: number;
  span: number;
  value: string;
  margin: string;
  align: Align;
}

export interface CellOpts {
  align?: Align;
  margin?: string;
}

const width = (s: string) => [...s].length;

export class TextTable {
  private cells: Cell[] = [];
  private cols = 0;
  private shrink: boolean[] = [];
  private curRow = 0;
  private curCol = 0;

  /** row starts a new row. */
  row(): this {
    if (this.cells.length > 0) this.curRow++;
    this.curCol = 0;
    return this;
  }

  /** col moves to a later column of the current row. */
  col(c: number): this {
    if (c < this.curCol) throw new Error(`cannot move from column ${this.curCol} to earlier column ${c}`);
    this.curCol = c;
    return this;
  }

  get currentCol(): number {
    return this.curCol;
  }

  cell(value: string, opts: CellOpts = {}): this {
    return this.span(1, value, opts);
  }

  /** span adds a cell covering `cols` columns; the left margin defaults to " " except in column 0 or for empty cells. */
  span(cols: number, value: string, opts: CellOpts = {}): this {
    const margin = opts.margin ?? (this.curCol === 0 || value.length === 0 ? "" : " ");
    this.cells.push({ row: this.curRow, col: this.curCol, span: cols, value, margin, align: opts.align ?? "left" });
    this.curCol += cols;
    if (this.curCol > this.cols) this.cols = this.curCol;
    return this;
  }

  setShrink(col: number, shrink: boolean): void {
    while (this.shrink.length < col + 1) this.shrink.push(false);
    this.shrink[col] = shrink;
  }

  /** format lays the table out and returns its text (each line newline-terminated). */
  format(): string {
    const isShrink = (c: number) => this.shrink[c] ?? false;
    const lmargin = new Array<number>(this.cols).fill(0);
    for (const c of this.cells) lmargin[c.col] = Math.max(width(c.margin), lmargin[c.col]!);
    const ws = new Array<number>(this.cols).fill(0);
    const bySpan = [...this.cells].sort((a, b) => a.span - b.span);
    for (const cell of bySpan) {
      let w = width(cell.value) + lmargin[cell.col]!;
      if (cell.span === 1) {
        ws[cell.col] = Math.max(ws[cell.col]!, w);
        continue;
      }
      let tw = 0;
      for (let c = cell.col; c < cell.col + cell.span; c++) tw += ws[c]!;
      if (tw >= w) continue;
      // Grow the non-shrink columns towards the average still needed, widest first.
      const spanCols: number[] = [];
      for (let c = cell.col; c < cell.col + cell.span; c++) {
        if (isShrink(c)) w -= ws[c]!;
        else spanCols.push(c);
      }
      spanCols.sort((a, b) => ws[b]! - ws[a]!);
      let span = spanCols.length;
      for (const c of spanCols) {
        const avg = Math.floor((w + span - 1) / span);
        ws[c] = Math.max(ws[c]!, avg);
        w -= ws[c]!;
        span--;
      }
    }
    const offs = new Array<number>(this.cols + 1).fill(0);
    let off = 0;
    for (let i = 0; i < ws.length; i++) {
      offs[i] = off;
      off += ws[i]!;
    }
    offs[ws.length] = off;

    const ordered = [...this.cells].sort((a, b) => a.row - b.row || a.col - b.col);
    let out = "", row = 0;
    off = 0;
    for (const cell of ordered) {
      if (cell.value.trim() === "" && cell.margin.trim() === "") continue;
      while (cell.row > row) {
        out += "\n";
        row++;
        off = 0;
      }
      const spaces = offs[cell.col]! - off;
      out += " ".repeat(Math.max(0, spaces)) + cell.margin.padStart(lmargin[cell.col]!);
      off += spaces + lmargin[cell.col]!;
      const tw = offs[cell.col + cell.span]! - offs[cell.col]! - lmargin[cell.col]!;
      const s = pad(cell.align, cell.value, tw);
      out += s;
      off += width(s);
    }
    if (this.cells.length > 0) out += "\n";
    return out;
  }
}

function pad(align: Align, s: string, w: number): string {
  switch (align) {
    case "left":
      return s;
    case "center":
      return " ".repeat(Math.max(0, Math.trunc((w - width(s)) / 2))) + s;
    case "right":
      return " ".repeat(Math.max(0, w - width(s))) + s;
  }
}
