//! A small, synchronous W3C WebDriver client for the integration tests.
//!
//! It drives Debian's `chromium` through `chromedriver` (both found through
//! `SCAL_CHROMEDRIVER` / `SCAL_CHROMIUM`, see [`browser_available`]) and can
//! run axe-core (`SCAL_AXE_JS`) against the current page.
//!
//! Every [`Browser`] owns its own chromedriver process, browser session and
//! throw-away profile directory; dropping it tears all three down.
//!
//! Dependencies: `ureq` 3 (`default-features = false, features = ["json"]`),
//! `serde_json` and std. Nothing here is async.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::fmt::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The W3C key under which an element reference travels over the wire.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long to wait for a freshly spawned chromedriver to report ready.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound on any single HTTP exchange with chromedriver.
const HTTP_TIMEOUT: Duration = Duration::from_secs(120);
/// Page-load and script timeouts given to the browser session.
const PAGE_LOAD_TIMEOUT_MS: u64 = 60_000;
const SCRIPT_TIMEOUT_MS: u64 = 60_000;
/// Largest response body accepted from chromedriver (screenshots, page source).
const MAX_BODY: u64 = 256 * 1024 * 1024;

/// Command-line switches for headless Chromium on this machine.
const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--window-size=1280,1024",
];

/// The axe-core rule tags that `axe_serious_violations` checks.
const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

fn chromedriver_path() -> String {
    non_empty_env("SCAL_CHROMEDRIVER").unwrap_or_else(|| "chromedriver".to_string())
}

fn chromium_path() -> String {
    non_empty_env("SCAL_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".to_string())
}

fn axe_path() -> Option<String> {
    non_empty_env("SCAL_AXE_JS")
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Resolve a program name the way a shell would: a name containing `/` is
/// taken as a path, anything else is looked up on `PATH`.
fn resolve_program(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Whether browser tests can run here.
///
/// `Ok(true)` when chromedriver, Chromium and axe-core's `axe.min.js` are all
/// present; `Ok(false)` when something is missing and `SCAL_BROWSER_TESTS` is
/// not `required` (the caller should skip); `Err` naming what is missing when
/// `SCAL_BROWSER_TESTS=required` (as CI sets it).
pub fn browser_available() -> Result<bool, String> {
    let mut missing = Vec::new();
    let driver = chromedriver_path();
    if resolve_program(&driver).is_none() {
        missing.push(format!(
            "chromedriver ({driver:?}; set SCAL_CHROMEDRIVER or install chromium-driver)"
        ));
    }
    let chromium = chromium_path();
    if resolve_program(&chromium).is_none() {
        missing.push(format!(
            "chromium ({chromium:?}; set SCAL_CHROMIUM or install chromium)"
        ));
    }
    match axe_path() {
        None => missing.push(
            "axe-core (SCAL_AXE_JS is not set; run `npm ci --prefix tests/browser` and point it at \
             tests/browser/node_modules/axe-core/axe.min.js)"
                .to_string(),
        ),
        Some(p) if !Path::new(&p).is_file() => missing.push(format!("axe-core (SCAL_AXE_JS={p:?} is not a file)")),
        Some(_) => {}
    }
    if missing.is_empty() {
        return Ok(true);
    }
    let required = std::env::var("SCAL_BROWSER_TESTS")
        .map(|v| v.trim().eq_ignore_ascii_case("required"))
        .unwrap_or(false);
    if required {
        Err(format!(
            "browser tests are required (SCAL_BROWSER_TESTS=required) but these are missing: {}",
            missing.join("; ")
        ))
    } else {
        eprintln!(
            "skipping browser test: missing {} (set SCAL_BROWSER_TESTS=required to fail instead)",
            missing.join("; ")
        );
        Ok(false)
    }
}

/// The source of axe-core, read from `SCAL_AXE_JS` once per test binary.
fn axe_source() -> Result<&'static str, String> {
    static AXE: OnceLock<Result<String, String>> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = axe_path().ok_or_else(|| "SCAL_AXE_JS is not set".to_string())?;
        std::fs::read_to_string(&path).map_err(|e| format!("reading axe-core from {path}: {e}"))
    })
    .as_ref()
    .map(String::as_str)
    .map_err(Clone::clone)
}

/// A unique, freshly created directory under the system temp dir.
fn fresh_temp_dir(prefix: &str) -> Result<PathBuf, String> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = base.join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("creating temp dir {}: {e}", dir.display())),
        }
    }
    Err(format!("could not create a temp dir under {}", base.display()))
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding 127.0.0.1:0 to find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("reading the free port: {e}"))
}

/// Talks WebDriver's JSON-over-HTTP to one session. Cheap to clone.
#[derive(Clone)]
struct Wire {
    agent: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`
    session_url: String,
}

fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(HTTP_TIMEOUT))
        // Only ever talks to a local chromedriver: never via an env proxy.
        .proxy(None)
        .max_redirects(0)
        .build()
        .into()
}

/// Send one WebDriver command and return its `value`.
fn command(agent: &ureq::Agent, method: &str, url: &str, body: Option<Value>) -> Result<Value, String> {
    let result = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        ("POST", body) => agent.post(url).send_json(body.unwrap_or_else(|| json!({}))),
        (other, _) => return Err(format!("unsupported HTTP method {other}")),
    };
    let mut response = result.map_err(|e| format!("WebDriver {method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| format!("WebDriver {method} {url}: reading response (HTTP {status}): {e}"))?;
    let parsed: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "WebDriver {method} {url}: HTTP {status}, response is not JSON ({e}): {}",
            truncate(&text, 500)
        )
    })?;
    let value = parsed.get("value").cloned().unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        return Ok(value);
    }
    let error = value.get("error").and_then(Value::as_str).unwrap_or("unknown error");
    let message = value.get("message").and_then(Value::as_str).unwrap_or("");
    Err(format!(
        "WebDriver {method} {url}: HTTP {status} {error}: {}",
        truncate(message, 2000)
    ))
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

impl Wire {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.session_url, path);
        command(&self.agent, method, &url, body)
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        self.call("GET", path, None)
    }

    fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        self.call("POST", path, Some(body))
    }

    fn element_from(&self, value: &Value, what: &str) -> Result<Element, String> {
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{what}: response is not an element reference: {value}"))?;
        Ok(Element {
            wire: self.clone(),
            id: id.to_string(),
            description: what.to_string(),
        })
    }

    fn find_from(&self, prefix: &str, css: &str) -> Result<Element, String> {
        let value = self
            .post(
                &format!("{prefix}/element"),
                json!({"using": "css selector", "value": css}),
            )
            .map_err(|e| format!("find {css:?}: {e}"))?;
        self.element_from(&value, &format!("element {css:?}"))
    }

    fn find_all_from(&self, prefix: &str, css: &str) -> Result<Vec<Element>, String> {
        let value = self
            .post(
                &format!("{prefix}/elements"),
                json!({"using": "css selector", "value": css}),
            )
            .map_err(|e| format!("find_all {css:?}: {e}"))?;
        let items = value
            .as_array()
            .ok_or_else(|| format!("find_all {css:?}: expected an array, got {value}"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, v)| self.element_from(v, &format!("element {css:?}[{i}]")))
            .collect()
    }
}

/// One headless Chromium controlled through its own chromedriver.
pub struct Browser {
    wire: Wire,
    driver: Option<Child>,
    driver_url: String,
    profile_dir: PathBuf,
    javascript: bool,
    closed: bool,
}

/// A reference to an element of the page that was current when it was found.
#[derive(Clone)]
pub struct Element {
    wire: Wire,
    id: String,
    description: String,
}

impl Browser {
    /// Start chromedriver and a fresh headless Chromium session.
    ///
    /// With `javascript == false` the page's own scripts do not run (the
    /// no-JavaScript experience), while WebDriver commands (navigation,
    /// finding, typing, clicking, reading text, `execute`) still work.
    pub fn start(javascript: bool) -> Result<Browser, String> {
        let driver_program = chromedriver_path();
        let driver_path = resolve_program(&driver_program)
            .ok_or_else(|| format!("chromedriver not found ({driver_program:?}); set SCAL_CHROMEDRIVER"))?;
        let chromium = chromium_path();
        if resolve_program(&chromium).is_none() {
            return Err(format!("chromium not found ({chromium:?}); set SCAL_CHROMIUM"));
        }

        let agent = http_agent();
        let mut last_error = String::new();
        // A port picked by binding :0 can in rare cases be taken by someone
        // else before chromedriver binds it; try a few.
        for _attempt in 0..3 {
            let port = free_port()?;
            let mut child = Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("spawning {}: {e}", driver_path.display()))?;
            let driver_url = format!("http://127.0.0.1:{port}");
            match wait_until_ready(&agent, &driver_url, &mut child) {
                Ok(()) => return Self::open_session(agent, child, driver_url, &chromium, javascript),
                Err(e) => {
                    last_error = e;
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        Err(format!("chromedriver did not start: {last_error}"))
    }

    fn open_session(
        agent: ureq::Agent,
        mut driver: Child,
        driver_url: String,
        chromium: &str,
        javascript: bool,
    ) -> Result<Browser, String> {
        let profile_dir = match fresh_temp_dir("scal-chromium-profile") {
            Ok(dir) => dir,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(e);
            }
        };
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        let mut chrome_options = json!({
            "binary": chromium,
            "args": args,
        });
        if !javascript {
            chrome_options["prefs"] = json!({
                "profile.managed_default_content_settings.javascript": 2
            });
        }
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": {
                        "implicit": 0,
                        "pageLoad": PAGE_LOAD_TIMEOUT_MS,
                        "script": SCRIPT_TIMEOUT_MS
                    },
                    "goog:chromeOptions": chrome_options
                }
            }
        });
        let created = command(&agent, "POST", &format!("{driver_url}/session"), Some(capabilities)).and_then(|value| {
            value
                .get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| format!("new session: no sessionId in {value}"))
        });
        let session_id = match created {
            Ok(id) => id,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                let _ = std::fs::remove_dir_all(&profile_dir);
                return Err(format!("creating a Chromium session ({chromium}): {e}"));
            }
        };
        Ok(Browser {
            wire: Wire {
                agent,
                session_url: format!("{driver_url}/session/{session_id}"),
            },
            driver: Some(driver),
            driver_url,
            profile_dir,
            javascript,
            closed: false,
        })
    }

    /// Whether page scripts run in this session.
    pub fn javascript_enabled(&self) -> bool {
        self.javascript
    }

    /// Navigate to `url` and wait for the page load to finish.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        self.wire
            .post("/url", json!({"url": url}))
            .map(|_| ())
            .map_err(|e| format!("goto {url}: {e}"))
    }

    /// Resizes the window (W3C Set Window Rect), to check a page at a phone's width.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), String> {
        self.wire
            .post("/window/rect", json!({"width": width, "height": height}))
            .map(|_| ())
            .map_err(|e| format!("window size {width}x{height}: {e}"))
    }

    /// How far the page is wider than the window, in CSS pixels (0 when it needs no sideways
    /// scrolling).
    pub fn sideways_overflow(&self) -> Result<i64, String> {
        let value = self.execute(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
            vec![],
        )?;
        Ok(value.as_i64().unwrap_or(0))
    }

    /// The elements that reach past the window's right edge, outermost first (a few, each as its
    /// tag, classes and width), to say what makes a page scroll sideways. Content of a region that
    /// scrolls on its own is left out, unless it is positioned absolutely: such an element (a
    /// visually hidden label, say) escapes a region that is not itself positioned.
    pub fn overflowing_elements(&self) -> Result<String, String> {
        let value = self.execute(
            "const width = document.documentElement.clientWidth; \
             const clipped = e => { \
               if (['absolute', 'fixed'].includes(getComputedStyle(e).position)) return false; \
               for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) { \
                 if (getComputedStyle(a).overflowX !== 'visible') return true; \
               } \
               return false; \
             }; \
             const found = []; \
             for (const e of document.body.querySelectorAll('*')) { \
               if (e.getBoundingClientRect().right > width + 0.5 && !clipped(e) \
                   && !found.some(f => f.contains(e))) found.push(e); \
             } \
             return found.slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + \
               String(e.className).split(' ').join('.') + ' (' + Math.round(e.getBoundingClientRect().width) + ' px)').join(', ');",
            vec![],
        )?;
        Ok(value.as_str().unwrap_or_default().to_string())
    }

    pub fn back(&self) -> Result<(), String> {
        self.wire.post("/back", json!({})).map(|_| ())
    }

    pub fn refresh(&self) -> Result<(), String> {
        self.wire.post("/refresh", json!({})).map(|_| ())
    }

    pub fn current_url(&self) -> Result<String, String> {
        string_value(self.wire.get("/url")?, "current_url")
    }

    pub fn title(&self) -> Result<String, String> {
        string_value(self.wire.get("/title")?, "title")
    }

    /// The serialised DOM of the current page.
    pub fn page_source(&self) -> Result<String, String> {
        string_value(self.wire.get("/source")?, "page_source")
    }

    /// The first element matching the CSS selector (error if none).
    pub fn find(&self, css: &str) -> Result<Element, String> {
        self.wire.find_from("", css)
    }

    /// All elements matching the CSS selector (possibly none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        self.wire.find_all_from("", css)
    }

    /// Poll (every 50 ms, at most `timeout`) until `css` matches an element.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.find_all(css) {
                Ok(found) if !found.is_empty() => {
                    return found
                        .into_iter()
                        .next()
                        .ok_or_else(|| format!("wait_for {css:?}: vanished"))
                }
                Ok(_) => {}
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => {}
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "wait_for {css:?}: nothing matched within {timeout:?} (at {})",
                    self.current_url().unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The visible text of `<body>`.
    pub fn body_text(&self) -> Result<String, String> {
        self.find("body")?.text()
    }

    /// Run `script` as the body of a function (use `return`); `args` are its
    /// `arguments` (pass elements with [`Element::to_arg`]).
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.wire
            .post("/execute/sync", json!({"script": script, "args": args}))
            .map_err(|e| format!("execute script: {e}"))
    }

    /// Like [`Browser::execute`], but the script finishes by calling the
    /// callback passed as its last argument:
    /// `const done = arguments[arguments.length - 1]; ... done(result);`
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.wire
            .post("/execute/async", json!({"script": script, "args": args}))
            .map_err(|e| format!("execute async script: {e}"))
    }

    /// Set a cookie (path `/`) for the current page's host; navigate there first.
    pub fn set_cookie(&self, name: &str, value: &str) -> Result<(), String> {
        self.set_cookie_json(json!({"name": name, "value": value, "path": "/"}))
    }

    /// Set a cookie given as a W3C cookie object
    /// (`name`, `value`, optional `path`, `domain`, `secure`, `httpOnly`, `expiry`, `sameSite`).
    pub fn set_cookie_json(&self, cookie: Value) -> Result<(), String> {
        self.wire
            .post("/cookie", json!({"cookie": cookie}))
            .map(|_| ())
            .map_err(|e| format!("set_cookie: {e}"))
    }

    /// All cookies visible to the current page, as W3C cookie objects.
    pub fn cookies(&self) -> Result<Vec<Value>, String> {
        match self.wire.get("/cookie")? {
            Value::Array(items) => Ok(items),
            other => Err(format!("cookies: expected an array, got {other}")),
        }
    }

    /// The value of the named cookie, if the current page can see it.
    pub fn cookie(&self, name: &str) -> Result<Option<String>, String> {
        Ok(self
            .cookies()?
            .into_iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
            .and_then(|c| c.get("value").and_then(Value::as_str).map(str::to_string)))
    }

    pub fn delete_all_cookies(&self) -> Result<(), String> {
        self.wire
            .call("DELETE", "/cookie", None)
            .map(|_| ())
            .map_err(|e| format!("delete_all_cookies: {e}"))
    }

    /// Save a PNG screenshot of the viewport to `path` (handy when debugging).
    pub fn screenshot_png(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let path = path.as_ref();
        let encoded = string_value(self.wire.get("/screenshot")?, "screenshot")?;
        let bytes = base64_decode(&encoded).map_err(|e| format!("screenshot: {e}"))?;
        std::fs::write(path, bytes).map_err(|e| format!("writing screenshot to {}: {e}", path.display()))
    }

    /// Run axe-core on the current page and describe each violation whose
    /// impact is "serious" or "critical", one line each (empty = clean).
    /// Needs a session started with `javascript == true`: WebDriver's own
    /// `execute` works without page JavaScript, but axe's promises/timers
    /// never settle there (the async script just times out).
    pub fn axe_serious_violations(&self) -> Result<Vec<String>, String> {
        if !self.javascript {
            return Err("axe_serious_violations needs a browser started with javascript == true".into());
        }
        let source = axe_source()?;
        let present = self.execute("return typeof window.axe === 'object';", vec![])?;
        if present != Value::Bool(true) {
            // The script runs as a function body; axe's UMD wrapper assigns window.axe.
            let injected = self
                .execute(&format!("{source}\n;return typeof window.axe === 'object';"), vec![])
                .map_err(|e| format!("injecting axe-core: {e}"))?;
            if injected != Value::Bool(true) {
                return Err(format!(
                    "injecting axe-core: window.axe is not defined afterwards ({injected})"
                ));
            }
        }
        let script = r#"
const tags = arguments[0];
const done = arguments[arguments.length - 1];
window.axe
  .run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] })
  .then(function (results) {
    done({ ok: results.violations.map(function (v) {
      return {
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        count: v.nodes.length,
        targets: v.nodes.slice(0, 3).map(function (n) { return JSON.stringify(n.target); })
      };
    }) });
  })
  .catch(function (e) { done({ error: String(e && e.stack || e) }); });
"#;
        let result = self
            .execute_async(script, vec![json!(AXE_TAGS)])
            .map_err(|e| format!("running axe-core: {e}"))?;
        if let Some(err) = result.get("error").and_then(Value::as_str) {
            return Err(format!("axe-core failed: {err}"));
        }
        let violations = result
            .get("ok")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("axe-core returned an unexpected result: {result}"))?;
        let url = self.current_url().unwrap_or_default();
        let mut lines = Vec::new();
        for v in violations {
            let impact = v.get("impact").and_then(Value::as_str).unwrap_or("");
            if impact != "serious" && impact != "critical" {
                continue;
            }
            let field = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let count = v.get("count").and_then(Value::as_u64).unwrap_or(0);
            let targets: Vec<&str> = v
                .get("targets")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut line = format!(
                "{url}: [{impact}] {}: {} ({} element{}: {}",
                field("id"),
                field("help"),
                count,
                if count == 1 { "" } else { "s" },
                targets.join(", ")
            );
            if count as usize > targets.len() {
                let _ = write!(line, ", …");
            }
            let _ = write!(line, ") {}", field("helpUrl"));
            lines.push(line);
        }
        Ok(lines)
    }

    /// The Content-Security-Policy violations the current page has reported so far, one line each
    /// (empty = none). A buffered `ReportingObserver` also sees reports made before it was created,
    /// so this can run after the page has loaded. Needs `javascript == true`.
    pub fn csp_violations(&self) -> Result<Vec<String>, String> {
        let script = r#"
if (typeof ReportingObserver !== 'function') { return { error: 'no ReportingObserver' }; }
const observer = new ReportingObserver(function () {}, { types: ['csp-violation'], buffered: true });
observer.observe();
const reports = observer.takeRecords();
observer.disconnect();
return { ok: reports.map(function (r) {
  const b = r.body || {};
  return (b.effectiveDirective || '?') + ' blocked ' + (b.blockedURL || 'inline') + ' in ' + (b.documentURL || r.url)
    + (b.lineNumber ? ' line ' + b.lineNumber : '') + (b.sample ? ' (' + b.sample + ')' : '');
}) };
"#;
        let result = self
            .execute(script, vec![])
            .map_err(|e| format!("reading CSP reports: {e}"))?;
        if let Some(err) = result.get("error").and_then(Value::as_str) {
            return Err(format!("reading CSP reports: {err}"));
        }
        Ok(result
            .get("ok")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default())
    }

    /// End the session, stop chromedriver and delete the profile directory.
    pub fn quit(mut self) -> Result<(), String> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), String> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        // Deleting the session makes chromedriver close Chromium.
        let deleted = self.wire.call("DELETE", "", None).map(|_| ());
        if let Some(mut child) = self.driver.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if deleted.is_err() {
            // Chromium outlives a killed chromedriver: end the processes
            // started with this session's own (unique) profile directory.
            kill_processes_using(&self.profile_dir);
        }
        // Chromium may still be flushing its profile for a moment.
        let mut removed = Ok(());
        for _ in 0..40 {
            removed = match std::fs::remove_dir_all(&self.profile_dir) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("removing profile dir {}: {e}", self.profile_dir.display())),
            };
            if removed.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        deleted.and(removed)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// SIGKILL every process whose command line names `profile_dir` as its
/// `--user-data-dir` (Linux `/proc` only; elsewhere a no-op).
fn kill_processes_using(profile_dir: &Path) {
    let marker = format!("--user-data-dir={}", profile_dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|&b| b == 0).any(|arg| arg == marker.as_bytes()) {
            pids.push(pid.to_string());
        }
    }
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(&pids)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // SIGKILL is asynchronous: wait (bounded) until they are gone or zombies,
    // so that they no longer write into the profile directory.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let alive = pids.iter().any(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map(|stat| {
                    // The state follows the parenthesised command name.
                    let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
                    !matches!(state.and_then(|r| r.chars().next()), Some('Z') | Some('X'))
                })
                .unwrap_or(false)
        });
        if !alive {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Poll chromedriver's `/status` until it reports ready (bounded).
fn wait_until_ready(agent: &ureq::Agent, driver_url: &str, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
    let url = format!("{driver_url}/status");
    let mut last = String::from("no answer yet");
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("chromedriver exited early ({status}); last: {last}"));
        }
        match command(agent, "GET", &url, None) {
            Ok(value) if value.get("ready") == Some(&Value::Bool(true)) => return Ok(()),
            Ok(value) => last = format!("not ready: {value}"),
            Err(e) => last = e,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "chromedriver at {driver_url} not ready after {DRIVER_READY_TIMEOUT:?}: {last}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn string_value(value: Value, what: &str) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s),
        other => Err(format!("{what}: expected a string, got {other}")),
    }
}

impl Element {
    fn path(&self, suffix: &str) -> String {
        format!("/element/{}{suffix}", self.id)
    }

    fn context(&self, action: &str, e: String) -> String {
        format!("{action} on {}: {e}", self.description)
    }

    /// This element as a script argument for [`Browser::execute`].
    pub fn to_arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.id })
    }

    pub fn click(&self) -> Result<(), String> {
        self.wire
            .post(&self.path("/click"), json!({}))
            .map(|_| ())
            .map_err(|e| self.context("click", e))
    }

    /// Type `text` into the element (appends to what is there; see [`Element::clear`]).
    pub fn send_keys(&self, text: &str) -> Result<(), String> {
        self.wire
            .post(&self.path("/value"), json!({"text": text}))
            .map(|_| ())
            .map_err(|e| self.context("send_keys", e))
    }

    pub fn clear(&self) -> Result<(), String> {
        self.wire
            .post(&self.path("/clear"), json!({}))
            .map(|_| ())
            .map_err(|e| self.context("clear", e))
    }

    /// The rendered (visible) text of the element.
    pub fn text(&self) -> Result<String, String> {
        self.wire
            .get(&self.path("/text"))
            .and_then(|v| string_value(v, "text"))
            .map_err(|e| self.context("text", e))
    }

    /// An attribute's value (`None` when absent).
    pub fn attr(&self, name: &str) -> Result<Option<String>, String> {
        let value = self
            .wire
            .get(&self.path(&format!("/attribute/{name}")))
            .map_err(|e| self.context("attr", e))?;
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Ok(Some(other.to_string())),
        }
    }

    /// A DOM property (e.g. `value`, `checked`), as JSON.
    pub fn property(&self, name: &str) -> Result<Value, String> {
        self.wire
            .get(&self.path(&format!("/property/{name}")))
            .map_err(|e| self.context("property", e))
    }

    /// Whether a checkbox/radio/option is selected.
    pub fn is_selected(&self) -> Result<bool, String> {
        self.wire
            .get(&self.path("/selected"))
            .map_err(|e| self.context("is_selected", e))?
            .as_bool()
            .ok_or_else(|| format!("is_selected on {}: not a boolean", self.description))
    }

    pub fn tag_name(&self) -> Result<String, String> {
        self.wire
            .get(&self.path("/name"))
            .and_then(|v| string_value(v, "tag_name"))
            .map_err(|e| self.context("tag_name", e))
    }

    /// The first descendant matching `css`.
    pub fn find(&self, css: &str) -> Result<Element, String> {
        self.wire.find_from(&self.path(""), css)
    }

    /// All descendants matching `css`.
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        self.wire.find_all_from(&self.path(""), css)
    }
}

/// Standard (RFC 4648) base64 decoding; whitespace is ignored.
fn base64_decode(input: &str) -> Result<Vec<u8>, String> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    for &c in input.as_bytes() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            break;
        }
        let v = sextet(c).ok_or_else(|| format!("invalid base64 byte {c:#04x}"))?;
        acc = ((acc << 6) | v) & 0x00ff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}
