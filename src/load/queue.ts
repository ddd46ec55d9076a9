/** A growable FIFO of numbers (intended start times of requests due but not yet sent). */
export class NumberQueue {
  private buf = new Float64Array(1024);
  private head = 0;
  length = 0;

  push(x: number): void {
    if (this.length === this.buf.length) {
      const grown = new Float64Array(this.buf.length * 2);
      for (let k = 0; k < this.length; k++) grown[k] = this.buf[(this.head + k) % this.buf.length]!;
      this.buf = grown;
      this.head = 0;
    }
    this.buf[(this.head + this.length++) % this.buf.length] = x;
  }

  /** The oldest value; undefined behaviour when empty (check length). */
  peek(): number {
    return this.buf[this.head]!;
  }

  shift(): number {
    const x = this.buf[this.head]!;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return x;
  }
}
