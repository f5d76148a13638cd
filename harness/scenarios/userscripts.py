"""The userscript cheats that circulate for real training platforms (刷课脚本), as page scripts
a browser check injects before the platform's own (Playwright's `add_init_script`, as a
userscript manager does). Each is one small script, written as the circulating ones are: they
know nothing of the platform's player but that it is an HTML5 `<video>`.
"""

from __future__ import annotations

# Every ratechange (the player's own reset included) is answered with 16× again, a tenth of a
# second later (as the circulating scripts do: an immediate answer makes the page fight itself
# to a standstill, which no cheater wants either).
FORCE_16X = """
(() => {
  const force = (event) => {
    const v = event.target;
    if (v instanceof HTMLVideoElement && !v.srcObject)
      setTimeout(() => { if (v.playbackRate !== 16) v.playbackRate = 16; }, 100);
  };
  document.addEventListener("ratechange", force, true);
  document.addEventListener("play", force, true);
})();
"""

# The player can no longer pause the video (on blur, on a hidden tab, on a capture prompt).
PAUSE_IS_A_NO_OP = "HTMLMediaElement.prototype.pause = function () {};"

# The page never learns it is hidden or unfocused.
ALWAYS_VISIBLE = """
(() => {
  Object.defineProperty(Document.prototype, "hidden", { get: () => false });
  Object.defineProperty(Document.prototype, "visibilityState", { get: () => "visible" });
  const add = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, listener, options) {
    if (type === "visibilitychange" || type === "blur") return;
    return add.call(this, type, listener, options);
  };
})();
"""

# Synthetic (isTrusted = false) mouse movement, so an "are you there" detector sees activity.
FAKE_ATTENTION = """
setInterval(() => document.dispatchEvent(new MouseEvent("mousemove", {
  bubbles: true, clientX: Math.random() * 500, clientY: Math.random() * 400 })), 300);
"""

# currentTime pushed forward in steps small enough to look like playing (1.5 s every 0.5 s).
SMALL_STEP_JUMPS = """
setInterval(() => {
  for (const v of document.querySelectorAll("video"))
    if (!v.srcObject && !v.paused) v.currentTime += 1.5;
}, 500);
"""

ALL = (FORCE_16X, PAUSE_IS_A_NO_OP, ALWAYS_VISIBLE, FAKE_ATTENTION, SMALL_STEP_JUMPS)
NAMES = ("force 16×", "pause no-op", "always visible", "synthetic mouse", "small-step jumps")
