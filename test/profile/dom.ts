/** Renders an HTML file in happy-dom with its inline scripts running: how the tests check report.html draws without a browser. */
import { Window } from "happy-dom";

export async function render(html: string): Promise<{ rects: number; buttons: string[]; svgs: number; errors: string[] }> {
  const window = new Window({ url: "http://localhost/report.html", width: 1280, height: 900, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } } as ConstructorParameters<typeof Window>[0]);
  const errors: string[] = [];
  (window as unknown as { console: { error: (...a: unknown[]) => void } }).console.error = (...a) => errors.push(a.map(String).join(" "));
  window.addEventListener("error", (e) => errors.push(String((e as unknown as { error?: unknown }).error ?? e)));
  window.document.write(html);
  await window.happyDOM.waitUntilComplete();
  const d = window.document;
  const out = {
    rects: d.querySelectorAll("#flame rect").length,
    buttons: [...d.querySelectorAll("button[data-tree]")].map((b) => b.textContent ?? ""),
    svgs: d.querySelectorAll("svg").length,
    errors,
  };
  await window.happyDOM.close();
  return out;
}
