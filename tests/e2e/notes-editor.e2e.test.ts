/**
 * The live notes editor (client/lazy/notes-editor.ts) in real Chromium against the real server:
 * two people write in one meeting's notes and see each other's words and named cursors, the notes
 * outlive both editors for someone who opens them later, a refused socket stops retrying, and
 * destroy() leaves no timer behind. The part is loaded the way client/lib/lazy.ts loads it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { canRunBrowser, launchBrowser, newContext, screenshot, watchErrors } from "../helpers/browser.ts";
import { eventually } from "../helpers/eventually.ts";
import { startServer, type RunningServer } from "../helpers/server.ts";

/** Counts the page's live timeouts and intervals, with where each was started. */
function trackTimers() {
  const active = new Map<number, { kind: string; ms: number; stack: string }>();
  const w = window as any;
  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci } = window;
  w.setTimeout = (fn: unknown, ms = 0, ...args: unknown[]) => {
    const id: number = st(
      (...a: unknown[]) => {
        active.delete(id);
        if (typeof fn === "function") fn(...a);
      },
      ms,
      ...args,
    );
    active.set(id, { kind: "timeout", ms, stack: new Error().stack ?? "" });
    return id;
  };
  w.setInterval = (fn: TimerHandler, ms = 0, ...args: unknown[]) => {
    const id: number = si(fn, ms, ...args);
    active.set(id, { kind: "interval", ms, stack: new Error().stack ?? "" });
    return id;
  };
  w.clearTimeout = (id?: number) => {
    if (id !== undefined) active.delete(id);
    ct(id);
  };
  w.clearInterval = (id?: number) => {
    if (id !== undefined) active.delete(id);
    ci(id);
  };
  w.__timers = active;
}

/** Loads the part as client/lib/lazy.ts does and mounts an editor in a box appended to the body. */
async function mountEditor(page: Page, code: string, name: string): Promise<void> {
  await page.evaluate(
    async ({ code, name }) => {
      const html = await fetch("/_lazy/notes-editor").then((r) => r.text());
      const src = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
      if (!src) throw new Error("no script in /_lazy/notes-editor");
      const w = window as any;
      w.__chunk = new URL(src, location.origin).href;
      await import(w.__chunk);
      const part = w.__dictateLazy["notes-editor"];
      const section = document.createElement("section");
      section.className = "page";
      section.innerHTML = "<h2>Notes</h2>";
      const host = document.createElement("div");
      host.style.height = "16rem";
      section.append(host);
      document.body.append(section);
      w.__statuses = [] as string[];
      w.__synced = 0;
      w.__timersBefore = new Set(w.__timers?.keys() ?? []);
      w.__editor = part.mount(host, {
        code,
        name,
        onStatus: (s: string) => w.__statuses.push(s),
        onSynced: () => w.__synced++,
      });
    },
    { code, name },
  );
}

/** The text in the editor, line by line, without others' cursors or the placeholder. */
const editorText = (page: Page) =>
  page.locator(".cm-content").evaluate((content) =>
    [...content.querySelectorAll(".cm-line")]
      .map((line) => {
        const copy = line.cloneNode(true) as Element;
        for (const widget of copy.querySelectorAll(".cm-ySelectionCaret, .cm-placeholder")) widget.remove();
        return copy.textContent;
      })
      .join("\n"),
  );
const statuses = (page: Page) => page.evaluate(() => (window as any).__statuses as string[]);

describe.skipIf(!canRunBrowser)("notes editor", () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;
  let code: string;
  const contexts: BrowserContext[] = [];
  const errors: Record<string, string[]> = {};

  async function open(name: string, colorScheme: "light" | "dark", { timers = false } = {}) {
    const context = await newContext(browser, { baseURL: server.url, colorScheme });
    contexts.push(context);
    if (timers) await context.addInitScript(trackTimers);
    const page = await context.newPage();
    errors[name] = watchErrors(page);
    await page.goto("/");
    await mountEditor(page, code, name);
    await eventually(async () => expect(await statuses(page)).toEqual(["connecting", "connected"]), { timeoutMs: 10_000 });
    expect(await page.evaluate(() => (window as any).__synced)).toBe(1);
    return page;
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "dictate-notes-editor-"));
    server = await startServer({ DATA_DIR: dataDir, NODE_ENV: "production" });
    browser = await launchBrowser();
    const res = await fetch(`${server.url}/api/meetings`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: server.url },
      body: JSON.stringify({ title: "Notes test" }),
    });
    expect(res.status).toBe(201);
    code = ((await res.json()) as { meeting: { code: string } }).meeting.code;
  });

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("two people write together, see each other's cursors, and the notes outlive them", async () => {
    const ada = await open("Ada", "light", { timers: true });
    const bob = await open("Bob", "dark");

    const adaContent = ada.locator(".cm-content");
    expect(await adaContent.getAttribute("aria-label")).toBe("Meeting notes");
    expect(await editorText(ada)).toBe("");
    expect(await ada.locator(".cm-placeholder").textContent()).toBe("Write the meeting's notes here…");

    await adaContent.click();
    await ada.keyboard.type("# Agenda\n- Budget from Ada");
    await eventually(async () => expect(await editorText(bob)).toContain("# Agenda\n- Budget from Ada"));

    // Ada's caret, with her name on it, at the end of what she wrote.
    const adaLabel = bob.locator(".cm-ySelectionInfo", { hasText: "Ada" });
    await adaLabel.waitFor({ state: "visible" });
    expect(await adaLabel.evaluate((el) => getComputedStyle(el).opacity)).toBe("1");

    // Bob continues the list (Enter carries the "- " on) and Ada sees it, and his name.
    await bob.locator(".cm-content").click();
    await bob.keyboard.press("Control+End");
    await bob.keyboard.type("\nRoom from Bob");
    await eventually(async () => expect(await editorText(ada)).toContain("- Budget from Ada\n- Room from Bob"));
    await ada.locator(".cm-ySelectionInfo", { hasText: "Bob" }).waitFor({ state: "visible" });
    await adaContent.click();
    await ada.keyboard.press("Control+End");
    // Enter on the empty item ends the list, a third starts a new paragraph.
    await ada.keyboard.type("\n\n\n**Decided:** ship it on _Friday_, see [the plan](https://example.com/plan) and `deploy.sh`");
    await eventually(async () => expect(await editorText(bob)).toContain("see [the plan]"));
    await bob.locator(".cm-content").click({ position: { x: 120, y: 12 } });
    await ada.locator(".cm-ySelectionInfo", { hasText: "Bob" }).waitFor({ state: "visible" });

    await screenshot(ada, "notes-editor-light");
    await screenshot(bob, "notes-editor-dark");

    // Ada leaves: her cursor goes from Bob's editor, and nothing of hers keeps running.
    const editorTimers = () =>
      ada.evaluate(() => {
        const w = window as any;
        return [...(w.__timers as Map<number, { kind: string; ms: number; stack: string }>)]
          .filter(([id, t]) => !w.__timersBefore.has(id) && t.stack.includes(w.__chunk))
          .map(([, t]) => `${t.kind} ${t.ms} ms\n${t.stack}`);
      });
    // The provider's and the awareness's keepalive checks, at least.
    expect((await editorTimers()).filter((t) => t.startsWith("interval")).length).toBeGreaterThanOrEqual(2);
    await ada.evaluate(() => (window as any).__editor.destroy());
    await adaLabel.waitFor({ state: "detached" });
    await Bun.sleep(300);
    expect(await editorTimers()).toEqual([]);
    expect(await ada.locator(".cm-editor").count()).toBe(0);
    expect(await statuses(ada)).toEqual(["connecting", "connected"]);
    await bob.evaluate(() => (window as any).__editor.destroy());

    // Someone who comes later, when nobody has the notes open, reads what both wrote.
    const cy = await open("Cy", "light");
    expect(await editorText(cy)).toContain("# Agenda\n- Budget from Ada\n- Room from Bob\n\n**Decided:** ship it");

    for (const [name, list] of Object.entries(errors)) expect({ name, errors: list }).toEqual({ name, errors: [] });
  }, 60_000);

  test("a refused socket reports disconnected and does not retry", async () => {
    const context = await newContext(browser, { baseURL: server.url });
    contexts.push(context);
    const page = await context.newPage();
    const pageErrors = watchErrors(page);
    const sockets: string[] = [];
    page.on("websocket", (ws) => sockets.push(ws.url()));
    await page.goto("/");
    await mountEditor(page, "no-such-meeting", "Eve");
    await eventually(async () => expect((await statuses(page)).at(-1)).toBe("disconnected"), { timeoutMs: 10_000 });
    await Bun.sleep(1500);
    expect(sockets.filter((u) => u.endsWith("/ws/meetings/no-such-meeting/notes"))).toHaveLength(1);
    expect(await statuses(page)).toEqual(["connecting", "disconnected"]);
    expect(await page.evaluate(() => (window as any).__synced)).toBe(0);
    await screenshot(page, "notes-editor-empty");
    await page.evaluate(() => (window as any).__editor.destroy());
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
