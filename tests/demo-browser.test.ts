import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Page } from "playwright-core";
import { startChat } from "../examples/chat/chat.ts";

const runtime = "Bun" in globalThis ? "bun" : "deno";
const artifacts = fileURLToPath(new URL("../docs/artifacts/", import.meta.url));
/** How long the page may take to show what the test waits for. */
const SHOWN_WITHIN_MS = 10_000;

const shows = (page: Page, selector: string, text: string) =>
  page.locator(selector, { hasText: text }).first().waitFor({ timeout: SHOWN_WITHIN_MS });

async function join(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}?room=garden&name=${name}`);
  await page.click("#join button");
  await shows(page, "#status", `in garden as ${name}`);
}

function launch() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    chromiumSandbox: false,
    args: ["--disable-background-networking"],
  });
}

test(`demo in Chromium on ${runtime}: two pages chat in a room, one leaves, all see 1001 at stop`, {
  timeout: 60_000,
}, async () => {
  const chat = await startChat({ port: 0, host: "127.0.0.1" });
  const browser = await launch();
  try {
    const ann = await browser.newPage({ viewport: { width: 900, height: 560 } });
    const bob = await (await browser.newContext()).newPage();
    await join(ann, chat.url, "ann");
    await join(bob, chat.url, "bob");
    await shows(ann, "#log li", "bob joined");

    // Chromium offered permessage-deflate and the server agreed to it.
    const extensions = await ann.locator("body").getAttribute("data-extensions") ?? "";
    assert.match(extensions, /^permessage-deflate/);
    await shows(ann, "#status", "permessage-deflate");

    await ann.fill("#text", "hello bob");
    await shows(bob, "#typing", "ann is typing");
    await ann.press("#text", "Enter");
    await shows(bob, "#log li", "hello bob");
    // The reply carrying the request's id marks the line as sent.
    await ann.locator("#log li:not(.pending)", { hasText: "hello bob" }).waitFor({
      timeout: SHOWN_WITHIN_MS,
    });
    await bob.fill("#text", "hi ann, leaving now");
    await bob.press("#text", "Enter");
    await shows(ann, "#log li", "hi ann, leaving now");

    mkdirSync(artifacts, { recursive: true });
    await ann.screenshot({ path: `${artifacts}chat-${runtime}.png` });

    await bob.click("#leave");
    await shows(ann, "#log li", "bob left");
    await shows(bob, "#status", "closed: 1000 left the room");

    await chat.stop();
    await shows(ann, "#status", "closed: 1001");
  } finally {
    await browser.close();
    await chat.stop();
  }
});

test(`demo in Chromium on ${runtime}: with Basic login the browser's credentials name the member`, {
  timeout: 60_000,
}, async () => {
  const chat = await startChat({ port: 0, host: "127.0.0.1", login: "basic" });
  const browser = await launch();
  try {
    // Without credentials the page is refused (see demo-chat.test.ts); with them, the browser
    // sends them again on the upgrade, where the service checks them.
    const [alice] = chat.users;
    const context = await browser.newContext({
      httpCredentials: { username: alice.name, password: alice.password },
    });
    const page = await context.newPage();
    await page.goto(`${chat.url}?room=attic`);
    assert.equal(await page.isVisible("#name"), false, "the account names the member");
    await page.click("#join button");
    await shows(page, "#status", "in attic as alice");
  } finally {
    await browser.close();
    await chat.stop();
  }
});
