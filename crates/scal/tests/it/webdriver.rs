//! The browser tests' own helpers around `fantoccini`, which speaks the W3C WebDriver protocol.
//!
//! What is ours: finding Debian's `chromium` and `chromedriver` (`SCAL_CHROMIUM`,
//! `SCAL_CHROMEDRIVER`, see [`browser_available`]), starting one chromedriver with a throw-away
//! Chromium profile per [`Browser`] and tearing all three down on drop, and the checks the tests
//! make on every page: axe-core (`SCAL_AXE_JS`), Content-Security-Policy reports and sideways
//! scrolling.
//!
//! The tests are plain synchronous `#[test]`s driving a server on their own runtime, so each
//! `Browser` runs fantoccini on a small runtime of its own and blocks on every command: the
//! tests read step by step, and a command can never be left unawaited.
#![allow(dead_code)]

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// How long to wait for a freshly spawned chromedriver to listen.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound on any one WebDriver command, so a wedged browser fails the test instead of
/// hanging it (fantoccini itself waits for ever).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// Page-load and script timeouts given to the browser session.
const PAGE_LOAD_TIMEOUT_MS: u64 = 60_000;
const SCRIPT_TIMEOUT_MS: u64 = 60_000;

/// Command-line switches for headless Chromium on this machine (as root in a container: no
/// sandbox, no GPU; and nothing that would reach the network on its own).
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

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("binding 127.0.0.1:0 to find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("reading the free port: {e}"))
}

/// Runs one fantoccini future to completion on the browser's runtime, bounded by
/// [`COMMAND_TIMEOUT`], with `what` in the error.
fn run<T, E: std::fmt::Display>(
    runtime: &Runtime,
    what: impl std::fmt::Display,
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    // Inside `async`: the timeout's timer must be made on the runtime.
    match runtime.block_on(async { tokio::time::timeout(COMMAND_TIMEOUT, future).await }) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(format!("{what}: {e}")),
        Err(_) => Err(format!("{what}: no answer within {COMMAND_TIMEOUT:?}")),
    }
}

/// One headless Chromium controlled through its own chromedriver.
pub struct Browser {
    runtime: Arc<Runtime>,
    /// `None` once the session has been closed.
    client: Option<Client>,
    driver: Option<Child>,
    profile_dir: tempfile::TempDir,
    javascript: bool,
}

/// An element of the page that was current when it was found.
#[derive(Clone)]
pub struct Element {
    runtime: Arc<Runtime>,
    element: fantoccini::elements::Element,
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
        let runtime = Arc::new(
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("starting the browser's runtime: {e}"))?,
        );

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
            match wait_until_listening(port, &mut child) {
                Ok(()) => return Self::open_session(runtime, child, port, &chromium, javascript),
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
        runtime: Arc<Runtime>,
        mut driver: Child,
        port: u16,
        chromium: &str,
        javascript: bool,
    ) -> Result<Browser, String> {
        let profile_dir = match tempfile::Builder::new().prefix("scal-chromium-profile-").tempdir() {
            Ok(dir) => dir,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(format!("creating a Chromium profile directory: {e}"));
            }
        };
        let mut args: Vec<String> = CHROME_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.path().display()));
        let mut chrome_options = json!({
            "binary": chromium,
            "args": args,
        });
        if !javascript {
            chrome_options["prefs"] = json!({
                "profile.managed_default_content_settings.javascript": 2
            });
        }
        let capabilities: Capabilities = match json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {
                "implicit": 0,
                "pageLoad": PAGE_LOAD_TIMEOUT_MS,
                "script": SCRIPT_TIMEOUT_MS
            },
            "goog:chromeOptions": chrome_options
        }) {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        // chromedriver listens on loopback only and speaks plain HTTP, so no TLS connector.
        let connect = async {
            ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities)
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
        };
        let client = match run(&runtime, format!("creating a Chromium session ({chromium})"), connect) {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                return Err(e);
            }
        };
        Ok(Browser {
            runtime,
            client: Some(client),
            driver: Some(driver),
            profile_dir,
            javascript,
        })
    }

    fn client(&self) -> Result<&Client, String> {
        self.client
            .as_ref()
            .ok_or_else(|| "the browser session is closed".to_string())
    }

    fn element(&self, element: fantoccini::elements::Element, css: &str) -> Element {
        Element {
            runtime: self.runtime.clone(),
            element,
            description: format!("element {css:?}"),
        }
    }

    /// Whether page scripts run in this session.
    pub fn javascript_enabled(&self) -> bool {
        self.javascript
    }

    /// Navigate to `url` and wait for the page load to finish.
    pub fn goto(&self, url: &str) -> Result<(), String> {
        run(&self.runtime, format!("goto {url}"), self.client()?.goto(url))
    }

    /// Resizes the window (W3C Set Window Rect), to check a page at a phone's width.
    pub fn set_window_size(&self, width: u32, height: u32) -> Result<(), String> {
        run(
            &self.runtime,
            format!("window size {width}x{height}"),
            self.client()?.set_window_size(width, height),
        )
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

    pub fn current_url(&self) -> Result<String, String> {
        run(&self.runtime, "current_url", self.client()?.current_url()).map(|url| url.to_string())
    }

    /// The serialised DOM of the current page.
    pub fn page_source(&self) -> Result<String, String> {
        run(&self.runtime, "page_source", self.client()?.source())
    }

    /// The first element matching the CSS selector (error if none).
    pub fn find(&self, css: &str) -> Result<Element, String> {
        let found = run(
            &self.runtime,
            format!("find {css:?}"),
            self.client()?.find(Locator::Css(css)),
        )?;
        Ok(self.element(found, css))
    }

    /// All elements matching the CSS selector (possibly none).
    pub fn find_all(&self, css: &str) -> Result<Vec<Element>, String> {
        let found = run(
            &self.runtime,
            format!("find_all {css:?}"),
            self.client()?.find_all(Locator::Css(css)),
        )?;
        Ok(found.into_iter().map(|e| self.element(e, css)).collect())
    }

    /// Poll (every 50 ms, at most `timeout`) until `css` matches an element.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element, String> {
        let wait = self
            .client()?
            .wait()
            .at_most(timeout)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css));
        match run(&self.runtime, format!("wait_for {css:?}"), wait) {
            Ok(found) => Ok(self.element(found, css)),
            Err(e) => Err(format!(
                "{e}: nothing matched within {timeout:?} (at {})",
                self.current_url().unwrap_or_default()
            )),
        }
    }

    /// The visible text of `<body>`.
    pub fn body_text(&self) -> Result<String, String> {
        self.find("body")?.text()
    }

    /// Run `script` as the body of a function (use `return`); `args` are its `arguments`.
    pub fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        run(&self.runtime, "execute script", self.client()?.execute(script, args))
    }

    /// Like [`Browser::execute`], but the script finishes by calling the
    /// callback passed as its last argument:
    /// `const done = arguments[arguments.length - 1]; ... done(result);`
    pub fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        run(
            &self.runtime,
            "execute async script",
            self.client()?.execute_async(script, args),
        )
    }

    /// Save a PNG screenshot of the viewport to `path` (handy when debugging).
    pub fn screenshot_png(&self, path: impl AsRef<Path>) -> Result<(), String> {
        let path = path.as_ref();
        let bytes = run(&self.runtime, "screenshot", self.client()?.screenshot())?;
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
        let Some(client) = self.client.take() else {
            return Ok(());
        };
        // Deleting the session makes chromedriver close Chromium.
        let closed = run(&self.runtime, "closing the session", client.close());
        if let Some(mut child) = self.driver.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if closed.is_err() {
            // Chromium outlives a killed chromedriver: end the processes
            // started with this session's own (unique) profile directory.
            kill_processes_using(self.profile_dir.path());
        }
        // The profile directory goes with `profile_dir`; Chromium may still be flushing it for
        // a moment, so empty it now, retrying briefly, rather than leave it behind.
        let mut removed = Ok(());
        for _ in 0..40 {
            removed = match std::fs::remove_dir_all(self.profile_dir.path()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!(
                    "removing profile dir {}: {e}",
                    self.profile_dir.path().display()
                )),
            };
            if removed.is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        closed.and(removed)
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

/// Wait (bounded) until chromedriver accepts connections on `port`, failing early if it exits
/// (as it does when someone else took the port first).
fn wait_until_listening(port: u16, child: &mut Child) -> Result<(), String> {
    let deadline = Instant::now() + DRIVER_READY_TIMEOUT;
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("chromedriver exited early ({status})"));
        }
        let last = match TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "chromedriver not listening on {address} after {DRIVER_READY_TIMEOUT:?}: {last}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Element {
    fn run<T, E: std::fmt::Display>(
        &self,
        action: &str,
        future: impl Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        run(&self.runtime, format_args!("{action} on {}", self.description), future)
    }

    pub fn click(&self) -> Result<(), String> {
        self.run("click", self.element.click())
    }

    /// Type `text` into the element (appends to what is there; see [`Element::clear`]).
    pub fn send_keys(&self, text: &str) -> Result<(), String> {
        self.run("send_keys", self.element.send_keys(text))
    }

    pub fn clear(&self) -> Result<(), String> {
        self.run("clear", self.element.clear())
    }

    /// The rendered (visible) text of the element.
    pub fn text(&self) -> Result<String, String> {
        self.run("text", self.element.text())
    }

    /// An attribute's value (`None` when absent).
    pub fn attr(&self, name: &str) -> Result<Option<String>, String> {
        self.run("attr", self.element.attr(name))
    }

    /// Whether a checkbox, radio or option is selected.
    pub fn is_selected(&self) -> Result<bool, String> {
        self.run("is_selected", self.element.is_selected())
    }
}

/// The browser tests pass only if axe finds nothing, so prove it can find something: a page with
/// an unlabelled input (axe's `label` rule, critical) must be reported.
#[test]
fn axe_reports_a_serious_violation_so_browser_tests_can_fail() {
    match browser_available() {
        Ok(true) => {}
        Ok(false) => return,
        Err(message) => panic!("{message}"),
    }
    let browser = Browser::start(true).unwrap();
    browser
        .goto("data:text/html,<!doctype html><html lang=en><title>Broken</title><main><h1>Broken</h1><input type=text></main></html>")
        .unwrap();
    let violations = browser.axe_serious_violations().unwrap();
    assert!(
        violations.iter().any(|v| v.contains("[critical] label:")),
        "{violations:?}"
    );
    browser.quit().unwrap();
}
