/**
 * The meeting room as people use it, end to end: real pages in Chromium, the real server with its
 * embedded Janus, media flowing — all inside a network namespace this test creates (see
 * tests/helpers/scenario.ts and meeting-room.scenario.ts, which prints the report judged here).
 * Screenshots of every step are saved to .test-artifacts/screenshots/meeting-*.png.
 * Skipped without root, `ip`, Janus or Chromium.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { canRunNamespaceScenario, namespaceScenario } from "../helpers/scenario.ts";

const TIMEOUT_MS = 240_000;

describe.skipIf(!canRunNamespaceScenario || Bun.which("ffmpeg") === null)("the meeting room in Chromium, with Janus", () => {
  const scenario = namespaceScenario({
    script: join(import.meta.dir, "meeting-room.scenario.ts"),
    name: "room",
    subnet: `10.216.${7 + (process.pid % 200)}`,
    timeoutMs: TIMEOUT_MS,
  });
  let r: Record<string, any> = {};

  beforeAll(async () => {
    r = await scenario.run();
  }, TIMEOUT_MS + 20_000);
  afterAll(() => scenario.dispose());

  test("the scenario ran to the end without page errors", () => {
    if (r.error) console.error(r.error, r.serverErr ?? "", scenario.stderr());
    expect(r.error ?? null).toBeNull();
    expect(r.ok).toBe(true);
    expect(r.pageErrors ?? []).toEqual([]);
  });

  test("the room has no serious accessibility problems (axe-core), with each panel open, light and dark", () => {
    expect({ people: r.a11yRoomWithPeople, chat: r.a11yRoomWithChatDark, notes: r.a11yRoomWithNotes }).toEqual({ people: [], chat: [], notes: [] });
  });

  test("a signed-in user starts a meeting from home; the pre-join screen shows a preview and device pickers", () => {
    expect(r.signupStatus).toBe(201);
    expect(r.code).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    expect(r.adaJoiningAs).toBe("ada");
    expect(r.preJoin).toEqual({ preview: 1, cameraPicker: 1, micPicker: 1 });
  });

  test("a bad code and an unknown code get clear errors; a typed code (any case, spaces) joins", () => {
    expect(r.badCodeError).toContain("not a meeting code");
    expect(r.unknownCodeError).toContain("There is no meeting with the code zzzz-zzzz-zzzz");
    expect(r.graceUrl).toBe(`/m/${r.code}`);
    expect(r.emptyNameError).toBe("Enter the name the others will see");
  });

  test("both see each other's video", () => {
    expect(r.adaSeesGraceVideo).toBeGreaterThan(0);
    expect(r.graceSeesAdaVideo).toBeGreaterThan(0);
  });

  test("the guest shows as a guest and the member as signed in, in the people list", () => {
    const people = (r.adaPeople as string[]).map((t) => t.replace(/\s+/g, " ").trim());
    expect(people.find((t) => t.startsWith("ada"))).toContain("Signed in");
    expect(people.find((t) => t.startsWith("Grace"))).toContain("Guest");
  });

  test("renaming, muting and a raised hand show at the other", () => {
    expect(r.renamedAtAda).toContain("Grace Hopper");
    expect(r.renamedTileAtAda).toContain("Grace Hopper");
    expect(r.graceUnmuteButton).toBe(1);
    expect(r.mutedAtAda).toBe(true);
    expect(r.handAtAda).toBe(true);
    expect(r.graceLowerHandButton).toBe(1);
  });

  test("chat reaches the other, with an unread count while their chat is closed", () => {
    expect(r.unreadAtAda).toBe(1);
    expect(r.chatAtAda).toContain("Grace Hopper");
    expect(r.chatAtAda).toContain("Hello from Grace");
    // Closing the panel puts focus back on the button that opens it.
    expect(r.focusAfterClosingChat).toBe("Open chat");
  });

  test("notes typed in one browser appear in the other, both ways, with the other's cursor named", () => {
    expect(r.notesAtGrace).toContain("# Decisions");
    expect(r.notesAtGrace).toContain("Ship the calendar on Friday");
    expect(r.notesAtAda).toContain("Grace will write the release note");
    expect(r.cursorLabelAtAda).toContain("Grace");
  });

  test("a guest pressing record is asked to sign in", () => {
    expect(r.guestRecordDialog).toContain("Sign in to record");
  });

  test("a signed-in user records; everyone sees it; the recording is processed, listed under Resources, plays, and is renamed", () => {
    expect(r.recordConsentDialog).toContain("Everyone in the meeting is told");
    expect(r.recordingIndicatorAtGrace).toContain("Recording");
    expect(r.recordButtonsAtGraceWhileRecording).toBe(0);
    // Everyone is told who started it, hears it start and stop, and a guest is told where it goes in words true for a guest.
    expect(r.recordingIndicatorAtGrace).toContain("started by ada");
    expect(r.tonesAtGraceOnStart).toBeGreaterThanOrEqual(2);
    expect(r.tonesAtGraceOnStop).toBeGreaterThanOrEqual(4);
    expect(r.prejoinWhileRecording).toContain("This meeting is being recorded");
    expect(r.processingBannerAtGrace).toContain("kept for the participants who have an account");
    expect(r.processingBannerAtGrace).not.toContain("under Resources");
    expect(r.readyBannerAtAda).toContain("The recording is ready");
    expect(r.recordingsApi).toHaveLength(1);
    expect(r.recordingsApi[0].status).toBe("ready");
    expect(r.recordingsApi[0].durationMs).toBeGreaterThan(2_000);
    expect(r.played.currentTime).toBeGreaterThan(0.3);
    expect(r.played.videoWidth).toBeGreaterThan(0);
    expect(r.renamedRecording).toBe("Release planning");
  });

  test("at phone width the controls fit the screen", () => {
    expect(r.phoneControlsFit).toBe(true);
  });

  test("leaving says so, and the others see the person gone", () => {
    expect(r.adaLeftText).toBe("You left the meeting.");
    const names = (r.graceAfterLeave as string[]).map((t) => t.split("\n")[0]!.trim());
    expect(names.sort()).toEqual(["Grace Hopper (you)", "Phone"]);
  });
});
