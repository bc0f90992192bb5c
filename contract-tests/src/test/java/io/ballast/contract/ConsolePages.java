package io.ballast.contract;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.ballast.testsupport.Program;
import io.ballast.testsupport.SystemPrerequisites;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The operator console ({@code /console} on inventory-service) in a real headless Chromium, driven through Selenium
 * and Debian's chromedriver: opening pages, signing in, reading the figures a page shows by its {@code data-field}
 * and {@code data-bytes} attributes, and comparing them with what the REST APIs answer while the fleet moves on
 * ({@link #matching}). A PNG of a page is kept in {@code contract-tests/target/console-screenshots}.
 */
final class ConsolePages implements AutoCloseable {

    static final Duration PAGE_WAIT = Duration.ofSeconds(30);
    private static final Path SCREENSHOTS = Program.ROOT.resolve("contract-tests/target/console-screenshots");

    private final ChromeDriver browser;
    private final String console;
    private final Path downloads;

    private ConsolePages(ChromeDriver browser, String console, Path downloads) {
        this.browser = browser;
        this.console = console;
        this.downloads = downloads;
    }

    /**
     * A headless Chromium on the console at {@code console} ({@code http://HOST:PORT/console}), saving downloads into
     * {@code downloads}. Without chromium and chromedriver the calling test is skipped, or fails where {@code CI=true}.
     */
    static ConsolePages open(String console, Path downloads) throws Exception {
        SystemPrerequisites.requireTools("chromium", "chromedriver");
        Files.createDirectories(SCREENSHOTS);
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1440,1000",
                "--lang=en-GB");
        options.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver"))
                .usingAnyFreePort()
                .build();
        ChromeDriver browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return new ConsolePages(browser, console, downloads);
    }

    @Override
    public void close() {
        browser.quit();
    }

    // ---- pages ------------------------------------------------------------------------------------------------------

    /** Opens the console's {@code path} ({@code ""} for the fleet, {@code "/vms"}, ...) and waits until it loaded. */
    void show(String path) {
        browser.get(console + path);
        loaded();
    }

    /** Waits until the page's script read everything it shows ({@code main[data-state]}), failing on its problem. */
    void loaded() {
        await().atMost(PAGE_WAIT).until(() -> {
            String state = browser.findElement(By.id("page")).getAttribute("data-state");
            if (state.equals("failed") || state.equals("signed-out")) {
                throw new AssertionError("the page " + browser.getCurrentUrl() + " shows: " + text("#problems"));
            }
            return state.equals("loaded");
        });
    }

    /** The address the browser shows. */
    String address() {
        return browser.getCurrentUrl();
    }

    void signIn(String token) {
        type("token", token);
        click("sign-in");
    }

    void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    /** Chooses the option {@code value} of the list {@code id}. */
    void choose(String id, String value) {
        browser.findElement(By.cssSelector("#" + id + " option[value='" + value + "']"))
                .click();
    }

    /*
     * The reads below find and read an element in one script run in the page: the jobs page renders its table again
     * every two seconds, and an element found by one call could be gone by the next (a stale element).
     */

    /** The text of the first element {@code css} selects, or {@code ""} when there is none. */
    String text(String css) {
        Object text =
                script("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';", css);
        return text == null ? "" : text.toString();
    }

    /** The exact byte count a figure shows (its {@code data-bytes}). */
    long bytesIn(String css) {
        String bytes = attribute(css + " [data-bytes]", "data-bytes");
        if (bytes == null) {
            throw new AssertionError("no byte count at " + css + " on " + browser.getCurrentUrl());
        }
        return Long.parseLong(bytes);
    }

    /** How many elements {@code css} selects. */
    int count(String css) {
        return browser.findElements(By.cssSelector(css)).size();
    }

    /** The attribute {@code name} of every element {@code css} selects, in the page's order. */
    List<String> attributes(String css, String name) {
        Object values = script(
                READ + "return Array.from(document.querySelectorAll(arguments[0])).map(e => read(e, arguments[1]));",
                css,
                name);
        List<String> found = new ArrayList<>();
        if (values instanceof List<?> list) {
            list.forEach(value -> found.add(value == null ? null : value.toString()));
        }
        return found;
    }

    /** The attribute {@code name} of the first element {@code css} selects, or {@code null}. */
    String attribute(String css, String name) {
        Object value = script(
                READ + "const e = document.querySelector(arguments[0]); return e ? read(e, arguments[1]) : null;",
                css,
                name);
        return value == null ? null : value.toString();
    }

    /** An attribute, else the property of that name (e.g. {@code textContent}), as Selenium's getAttribute reads. */
    private static final String READ = "const read = (e, n) => { const a = e.getAttribute(n);"
            + " if (a !== null) return a; const p = e[n]; return p === undefined || p === null ? null : String(p); };";

    private Object script(String script, Object... arguments) {
        return ((JavascriptExecutor) browser).executeScript(script, arguments);
    }

    /** When the document was loaded: the same value means the page was not loaded again. */
    Object timeOrigin() {
        return ((JavascriptExecutor) browser).executeScript("return window.performance.timeOrigin;");
    }

    /** The file a download saved as {@code name}, once it is there (an earlier one of that name is removed first). */
    Path download(String name, String buttonId) throws Exception {
        Path file = downloads.resolve(name);
        Files.deleteIfExists(file);
        click(buttonId);
        await().atMost(PAGE_WAIT).until(() -> Files.exists(file) && Files.size(file) > 0);
        return file;
    }

    /** A PNG of the whole page, kept as a test artifact. */
    void screenshot(String name) throws Exception {
        Dimension window = browser.manage().window().getSize();
        long height = (Long) ((JavascriptExecutor) browser)
                .executeScript("return Math.ceil(Math.max(document.body.scrollHeight,"
                        + " document.documentElement.scrollHeight));");
        browser.manage().window().setSize(new Dimension(window.getWidth(), (int) Math.max(height + 120, 600)));
        try {
            byte[] png = browser.getScreenshotAs(OutputType.BYTES);
            Files.write(SCREENSHOTS.resolve(name + ".png"), png);
        } finally {
            browser.manage().window().setSize(window);
        }
    }

    // ---- a page against the API ---------------------------------------------------------------------------------

    /** Something a page shows, as read from the browser. */
    sealed interface Shown {
        Object readFrom(ConsolePages pages);
    }

    /** The exact byte count of the figure {@code css} selects. */
    record Bytes(String css) implements Shown {
        @Override
        public Object readFrom(ConsolePages pages) {
            String bytes = pages.attribute(css + " [data-bytes]", "data-bytes");
            return bytes == null ? "no byte count" : Long.parseLong(bytes);
        }
    }

    /** The text of the element {@code css} selects. */
    record Text(String css) implements Shown {
        @Override
        public Object readFrom(ConsolePages pages) {
            return pages.text(css);
        }
    }

    /** How many elements {@code css} selects. */
    record Count(String css) implements Shown {
        @Override
        public Object readFrom(ConsolePages pages) {
            return pages.count(css);
        }
    }

    /** The attribute {@code name} of every element {@code css} selects: in the page's order, or sorted. */
    record Attributes(String css, String name, boolean sorted) implements Shown {
        @Override
        public Object readFrom(ConsolePages pages) {
            List<String> values = pages.attributes(css, name);
            if (sorted) {
                values.sort(null);
            }
            return values;
        }
    }

    /** What a page should show, figure by figure, as one answer of the REST APIs says. */
    static final class Figures {
        private final Map<Shown, Object> expected = new LinkedHashMap<>();

        void bytes(String css, long bytes) {
            expected.put(new Bytes(css), bytes);
        }

        void text(String css, String text) {
            expected.put(new Text(css), text);
        }

        void count(String css, int count) {
            expected.put(new Count(css), count);
        }

        /** The attribute {@code name} of the elements {@code css} selects, in this order. */
        void attributes(String css, String name, List<String> values) {
            expected.put(new Attributes(css, name, false), List.copyOf(values));
        }

        /** The attribute {@code name} of the elements {@code css} selects, in any order (as many of each). */
        void attributesInAnyOrder(String css, String name, List<String> values) {
            List<String> sorted = new ArrayList<>(values);
            sorted.sort(null);
            expected.put(new Attributes(css, name, true), sorted);
        }
    }

    /** What a page should show when the REST APIs answer {@code answer}. */
    @FunctionalInterface
    interface Expectation {
        void expect(JsonNode answer, Figures figures) throws Exception;
    }

    /** Something read from the services' REST APIs. */
    @FunctionalInterface
    interface Read {
        JsonNode read() throws Exception;
    }

    /**
     * Opens the console's {@code path} between two reads of the REST APIs and checks each figure the page shows
     * against them: it must be exactly what the APIs answered just before the page was loaded or just after (the
     * services move on: guests report every ten seconds, reservation-service plans every second, so a figure may change
     * while the page loads; both of its answers are what a page read then may show). A page that shows anything else
     * is opened again until it agrees, or the last disagreement fails the test. Answers the REST APIs' answer read
     * just after the page that agreed.
     */
    JsonNode matching(String path, Read read, Expectation expectation) throws Exception {
        List<String> disagreements;
        long until = System.nanoTime() + PAGE_WAIT.toNanos();
        do {
            JsonNode before = read.read();
            show(path);
            JsonNode after = read.read();
            disagreements = disagreements(figures(expectation, before), figures(expectation, after));
            if (disagreements.isEmpty()) {
                return after;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < until);
        throw new AssertionError(
                console + path + " does not show what the REST APIs answer:\n  " + String.join("\n  ", disagreements));
    }

    private static Map<Shown, Object> figures(Expectation expectation, JsonNode answer) throws Exception {
        Figures figures = new Figures();
        expectation.expect(answer, figures);
        return figures.expected;
    }

    private List<String> disagreements(Map<Shown, Object> before, Map<Shown, Object> after) {
        Set<Shown> shown = new LinkedHashSet<>(before.keySet());
        shown.addAll(after.keySet());
        List<String> disagreements = new ArrayList<>();
        for (Shown figure : shown) {
            Object onPage = figure.readFrom(this);
            if (!Objects.equals(onPage, before.get(figure)) && !Objects.equals(onPage, after.get(figure))) {
                disagreements.add(figure + " shows " + onPage + "; the API answered " + before.get(figure)
                        + " before the page and " + after.get(figure) + " after it");
            }
        }
        return disagreements;
    }
}
