// The reference platform's one page module: registration, camera login, course list and the
// lesson player. It talks only to the learner API (/api/v1); the server's credit rules decide
// what is credited, this module only makes the page behave as the policy asks (no fast-forward,
// no speed-up, one playing window, breakpoint resume, camera captures, pause when hidden).
// `rules` (player_rules.py) switch single guards off for the UI-only deliberate defects.

const rules = JSON.parse(document.body.dataset.rules || "{}");
const API = "/api/v1";
const SEEK_SLACK_S = 2; // a natural advance between two timeupdate events stays below this
const LIVENESS_FRAMES = 4;
const FRAME_GAP_MS = 250; // the camera (5 pictures a second) shows a new one in between

function say(text) {
  document.getElementById("message").textContent = text;
}

// The login token is kept for the browser profile (all tabs of it), as most platforms do; the
// login page still asks for the camera at every login (ID-02), whatever is kept.
function token() {
  return localStorage.getItem("sxcert-token") || "";
}

// A busy platform answers 503 with Retry-After having done nothing (docs/interface.md): the
// same request is sent again after the delay, a few times, before the page gives up.
const BUSY_RETRIES = 5;

async function api(path, { method = "GET", body } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  let answer;
  for (let attempt = 0; ; attempt++) {
    answer = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const delay = Number(answer.headers.get("Retry-After"));
    if (answer.status !== 503 || !answer.headers.has("Retry-After") || !(delay >= 0)) break;
    if (attempt >= BUSY_RETRIES) break;
    await sleep(Math.max(delay * 1000, 50));
  }
  const data = answer.status === 204 ? null : await answer.json().catch(() => null);
  return { ok: answer.ok, status: answer.status, data };
}

function deviceId() {
  let id = localStorage.getItem("sxcert-device");
  if (!id) {
    id = "web-" + crypto.randomUUID();
    localStorage.setItem("sxcert-device", id);
  }
  return id;
}

// ---- camera -------------------------------------------------------------------------------
async function openCamera(element) {
  if (!element.srcObject) {
    element.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
    await element.play().catch(() => {});
  }
  while (element.readyState < 2 || !element.videoWidth) await sleep(50);
  return element;
}

function closeCamera(element) {
  const stream = element.srcObject;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  element.srcObject = null;
}

function grab(element) {
  const canvas = document.createElement("canvas");
  canvas.width = element.videoWidth;
  canvas.height = element.videoHeight;
  canvas.getContext("2d").drawImage(element, 0, 0);
  return canvas.toDataURL("image/png").split(",")[1];
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// ---- registration -------------------------------------------------------------------------
function fileAsBase64(input) {
  return new Promise((done, fail) => {
    const reader = new FileReader();
    reader.onload = () => done(String(reader.result).split(",")[1]);
    reader.onerror = fail;
    reader.readAsDataURL(input.files[0]);
  });
}

async function register(event) {
  event.preventDefault();
  const answer = await api("/learners", {
    method: "POST",
    body: {
      name: document.getElementById("name").value,
      id_number: document.getElementById("id-number").value,
      password: document.getElementById("password").value,
      face_photo: await fileAsBase64(document.getElementById("face-photo")),
      id_card_photo: await fileAsBase64(document.getElementById("id-card-photo")),
    },
  });
  say(answer.ok ? "注册成功 Registered" : `注册失败: ${answer.data?.detail ?? answer.status}`);
}

// ---- login: a fresh liveness check from the camera every time ------------------------------
async function login(event) {
  event.preventDefault();
  if (!rules.camera_at_every_login && (await reuseRememberedLogin())) return;
  const camera = document.getElementById("camera");
  let frames = [];
  try {
    await openCamera(camera);
    for (let i = 0; i < LIVENESS_FRAMES; i++) {
      frames.push(grab(camera));
      await sleep(FRAME_GAP_MS);
    }
  } catch (error) {
    say(`需要摄像头进行活体检测 The camera is needed for the liveness check (${error.name})`);
    return;
  } finally {
    closeCamera(camera);
  }
  const answer = await api("/login", {
    method: "POST",
    body: {
      id_number: document.getElementById("id-number").value,
      password: document.getElementById("password").value,
      device_id: deviceId(),
      liveness_frames: frames,
    },
  });
  if (!answer.ok) {
    say(`登录失败 Login refused: ${answer.data?.detail ?? answer.status}`);
    return;
  }
  signedIn(answer.data.token);
}

// The deliberate defect `login_page_reuses_session`: a kept token that still works is taken as
// a login, without the camera.
async function reuseRememberedLogin() {
  if (!token() || !(await api("/me")).ok) return false;
  signedIn(token());
  return true;
}

function signedIn(value) {
  localStorage.setItem("sxcert-token", value);
  document.getElementById("login-state").hidden = false;
  document.body.dataset.loggedIn = "true";
  say("登录成功 Logged in");
}

// ---- courses --------------------------------------------------------------------------------
async function listCourses() {
  const list = document.getElementById("course-list");
  const answer = await api("/courses");
  for (const course of answer.data ?? []) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/courses/${course.course_id}`;
    link.textContent = `${course.title} (${course.level})`;
    item.append(link);
    list.append(item);
  }
}

// ---- the lesson player ----------------------------------------------------------------------
const TAB_PLAYBACK = "sxcert-tab-playback"; // this tab's open playback (sessionStorage: per tab)

// A platform may refuse a new playback while another of the account is in use (409). A reload
// or a new lesson in this tab leaves the tab's earlier playback behind, and pagehide's close may
// still be on its way: close it first, so that the new page is not refused by its own past.
// (A window opened from this tab starts with a copy of its sessionStorage: it takes the lesson
// over, and the opener's page stops at its next heartbeat's 409.)
async function closeLeftBehind() {
  const left = sessionStorage.getItem(TAB_PLAYBACK);
  sessionStorage.removeItem(TAB_PLAYBACK);
  if (left) await api(`/playbacks/${left}/close`, { method: "POST" });
}

// The server refused this page a playback because another window plays (409): the page's
// second-window guard, as when another tab starts playing. The video stays paused; the page is
// ready (its player has decided) and says why.
function refusedHere(section, video, detail) {
  video.addEventListener("play", () => video.pause());
  video.pause();
  say(`本课程已在另一个窗口播放 The lesson plays in another window; this one cannot: ${detail}`);
  section.dataset.refused = "true";
  section.dataset.ready = "true";
}

async function lesson(section) {
  const video = document.getElementById("lesson-video");
  const camera = document.getElementById("camera");
  const windowId = "win-" + crypto.randomUUID();
  const channel = new BroadcastChannel("sxcert-lesson-player");
  const answered = new Set();
  let seq = 0;
  let stopped = false;
  if (!token()) {
    say("请先登录 Log in first");
    return;
  }
  await closeLeftBehind();
  const opened = await api("/playbacks", {
    method: "POST",
    body: { course_id: section.dataset.courseId, lesson_id: section.dataset.lessonId, window_id: windowId },
  });
  if (opened.status === 409 && rules.guard_second_window) {
    refusedHere(section, video, opened.data?.detail ?? "409");
    return;
  }
  if (!opened.ok) {
    say(`无法播放 Cannot play: ${opened.data?.detail ?? opened.status}`);
    return;
  }
  const playback = opened.data;
  sessionStorage.setItem(TAB_PLAYBACK, playback.playback_id);
  let furthest = rules.resume_at_breakpoint ? playback.resume_position_s : 0;
  let last = furthest;
  const ready = new Promise((done) => {
    if (video.readyState >= 1) done();
    else video.addEventListener("loadedmetadata", done, { once: true });
  });
  await ready;
  if (rules.resume_at_breakpoint) video.currentTime = playback.resume_position_s;
  section.dataset.ready = "true";

  function stop(reason) {
    stopped = true;
    video.pause();
    say(reason);
  }

  video.addEventListener("timeupdate", () => {
    const now = video.currentTime;
    if (!video.seeking && now >= last && now - last <= SEEK_SLACK_S) furthest = Math.max(furthest, now);
    last = now;
    document.getElementById("position").textContent = `${Math.floor(now / 60)}:${String(Math.floor(now % 60)).padStart(2, "0")}`;
    document.getElementById("progress-watched").style.width = `${(100 * furthest) / playback.duration_s}%`;
  });
  video.addEventListener("seeking", () => {
    if (rules.block_forward_seek && video.currentTime > furthest + SEEK_SLACK_S) {
      video.currentTime = furthest;
      say("不允许快进 You cannot skip past what you have watched");
    }
    last = video.currentTime;
  });
  video.addEventListener("ratechange", () => {
    if (!rules.reset_speed || video.playbackRate <= 1) return;
    video.playbackRate = 1;
    say("不允许倍速播放 Lessons play at normal speed");
  });
  video.addEventListener("play", () => {
    if (stopped && rules.guard_second_window) {
      video.pause();
      return;
    }
    channel.postMessage({ playing: windowId });
  });
  channel.onmessage = (event) => {
    if (rules.guard_second_window && event.data.playing && event.data.playing !== windowId) {
      stop("本课程已在另一个窗口播放 The lesson plays in another window; this one stopped");
    }
  };
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) video.pause();
  });
  video.addEventListener("pause", () => beat());

  const seekTo = (seconds) => { video.currentTime = Math.max(0, Math.min(seconds, video.duration)); };
  const bar = document.getElementById("progress");
  const fraction = (event) => (event.clientX - bar.getBoundingClientRect().left) / bar.clientWidth;
  let dragging = false;
  bar.addEventListener("mousedown", (event) => { dragging = true; seekTo(fraction(event) * video.duration); });
  window.addEventListener("mousemove", (event) => { if (dragging) seekTo(fraction(event) * video.duration); });
  window.addEventListener("mouseup", () => { dragging = false; });
  document.getElementById("play-button").addEventListener("click", () => video.play());
  document.getElementById("pause-button").addEventListener("click", () => video.pause());
  document.addEventListener("keydown", (event) => {
    const moves = { ArrowRight: 10, ArrowLeft: -10, l: 10, j: -10 };
    if (event.key in moves) seekTo(video.currentTime + moves[event.key]);
    if (event.key === "End") seekTo(video.duration);
    if (event.key === " ") (video.paused ? video.play() : video.pause());
  });

  // Sent while playing and once at a pause: each reports what was watched since the last one
  // (the server credits at most the clock time in between), so no paused beat is needed.
  async function beat() {
    if (stopped && rules.guard_second_window) return;
    seq += 1;
    const answer = await api(`/playbacks/${playback.playback_id}/heartbeats`, {
      method: "POST",
      body: { seq, position_s: video.currentTime, rate: video.playbackRate, window_id: windowId, paused: false },
    });
    if (answer.status === 409 || answer.status === 401) {
      if (rules.guard_second_window) stop(`播放已结束 Playback ended: ${answer.data?.detail ?? answer.status}`);
      return;
    }
    const challenge = answer.data?.challenge;
    if (challenge && rules.answer_captures && !answered.has(challenge.challenge_id)) {
      answered.add(challenge.challenge_id);
      await capture(challenge.challenge_id);
    }
  }

  async function capture(challengeId) {
    say("请面对摄像头 Look at the camera: capture check");
    try {
      await openCamera(camera);
      await sleep(FRAME_GAP_MS);
      const result = await api(`/captures/${challengeId}`, { method: "POST", body: { image: grab(camera) } });
      say(result.ok && result.data.passed ? "抓拍通过 Capture passed" : `抓拍未通过 Capture failed: ${result.data?.reason ?? result.data?.detail ?? result.status}`);
    } catch (error) {
      say(`需要摄像头 The camera is needed for the capture check (${error.name})`);
    }
  }

  const every = Math.min(playback.heartbeat_interval_s, 5) * 1000;
  setInterval(() => { if (!video.paused) beat(); }, every);
  // Leaving the page ends its playback (keepalive: the request outlives the page), so that a
  // platform refusing a second playback in use lets the learner's next page play at once.
  window.addEventListener("pagehide", () => {
    fetch(`${API}/playbacks/${playback.playback_id}/close`, {
      method: "POST", keepalive: true, headers: { Authorization: `Bearer ${token()}` },
    });
  });
}

const page = document.querySelector("[data-page]");
const start = {
  register: () => page.addEventListener("submit", register),
  login: () => page.addEventListener("submit", login),
  courses: () => listCourses(),
  lesson: () => lesson(page),
};
if (page) start[page.dataset.page]?.();
