import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as path from 'path';
import * as readline from 'readline';

/**
 * The published OTel SDK in a child process (otel-driver.js): the exporter's dynamic import('http') fails inside
 * Jest's VM. Used by the capture tests and the LocalStack end-to-end test.
 */
export class OtelDriver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, (v: any) => void>();
  private id = 0;
  /** `env`: variables added to the child's environment (e.g. OTEL_EXPORTER_OTLP_ENDPOINT, as users set them). */
  constructor(env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [path.join(__dirname, 'otel-driver.js')], { stdio: 'pipe', env: { ...process.env, ...env } });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line);
      this.pending.get(msg.id)?.(msg);
      this.pending.delete(msg.id);
    });
    this.child.stderr.on('data', (d) => process.stderr.write(d));
  }
  async call(op: string, args: Record<string, unknown> = {}): Promise<any> {
    const id = ++this.id;
    const answer = await new Promise<any>((resolve) => {
      this.pending.set(id, resolve);
      this.child.stdin.write(JSON.stringify({ id, op, ...args }) + '\n');
    });
    if (!answer.ok) throw new Error(answer.error);
    return answer;
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}
