/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.Chromium;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built site as a reader meets it: every page of the guide loads in headless Chromium (Debian's
 * {@code chromium}; a missing browser fails the test), no internal link, anchor or image is broken, and
 * screenshots of the home page and an integration page are not blank. The site is built by Asciidoctor and
 * javadoc before the tests run (see the pom).
 */
class SiteBrowserTest {
  private static final Path SITE = Paths.get("target", "site").toAbsolutePath();
  private static final Path SHOTS = Paths.get("target", "screenshots").toAbsolutePath();
  private static List<Path> pages;

  @BeforeAll
  static void findPages() throws IOException {
    assertThat(SITE.resolve("index.html")).as("the site is built before the tests").exists();
    try (Stream<Path> files = Files.walk(SITE)) {
      pages =
          files
              .filter(p -> p.toString().endsWith(".html"))
              .filter(p -> !SITE.relativize(p).startsWith("apidocs"))
              .sorted()
              .toList();
    }
  }

  @Test
  void theGuideHasAPageForEachTopicTheIssueNames() {
    Set<String> names = new HashSet<>();
    pages.forEach(p -> names.add(SITE.relativize(p).toString().replace('\\', '/')));
    assertThat(names)
        .contains(
            "index.html",
            "getting-started.html",
            "configuration.html",
            "traces.html",
            "metrics.html",
            "logs.html",
            "threads.html",
            "console.html",
            "api.html",
            "demo.html",
            "troubleshooting.html",
            "migration.html",
            "performance.html",
            "integrations/javalin.html",
            "integrations/servlet.html",
            "integrations/jdk-httpserver.html",
            "integrations/http-client.html",
            "integrations/apache-httpclient.html",
            "integrations/okhttp.html",
            "integrations/jdbc.html",
            "integrations/kafka.html",
            "integrations/rabbitmq.html",
            "integrations/in-jvm-queue.html",
            "integrations/grpc.html",
            "integrations/http.html",
            "integrations/messaging.html");
    assertThat(SITE.resolve("apidocs/index.html")).exists();
    assertThat(SITE.resolve("apidocs/dev/obs4j/Obs.html")).exists();
    assertThat(SITE.resolve("apidocs/dev/obs4j/internal")).as("internal packages are not documented").doesNotExist();
  }

  /**
   * A reader finds every page from the navigation bar that each page carries, and in the home page's table of
   * pages: a page linked from nowhere is a page nobody reads.
   */
  @Test
  void everyPageIsReachableFromTheNavigationAndListedOnTheHomePage() throws IOException {
    Set<Path> all = new HashSet<>(pages);
    for (Path page : pages) {
      Document doc = Jsoup.parse(page.toFile(), "UTF-8");
      Set<Path> inNav = linkedPages(page, doc.select(".nav a[href]"));
      assertThat(inNav).as("%s: pages its navigation bar links", SITE.relativize(page)).containsAll(
          all.stream().filter(p -> !p.equals(page)).toList());
    }
    Path home = SITE.resolve("index.html");
    Set<Path> inTable = linkedPages(home, Jsoup.parse(home.toFile(), "UTF-8").select("#content table a[href]"));
    assertThat(inTable).as("pages the home page's table lists")
        .containsAll(all.stream().filter(p -> !p.equals(home)).toList());
  }

  private static Set<Path> linkedPages(Path from, List<Element> links) {
    Set<Path> linked = new HashSet<>();
    for (Element link : links) {
      String target = link.attr("href");
      if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
        continue;
      }
      String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
      if (!path.isEmpty()) {
        linked.add(from.getParent().resolve(URI.create(path).getPath()).normalize());
      }
    }
    return linked;
  }

  @Test
  void noInternalLinkAnchorOrImageIsBroken() throws IOException {
    Map<Path, Set<String>> ids = new HashMap<>();
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      Document doc = Jsoup.parse(page.toFile(), "UTF-8");
      for (Element link : doc.select("a[href], link[href], img[src], script[src]")) {
        String target = link.hasAttr("href") ? link.attr("href") : link.attr("src");
        if (target.isEmpty() || target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
          continue; // http(s), mailto: an outside address is not ours to check offline
        }
        checked++;
        String path = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String fragment = target.contains("#") ? target.substring(target.indexOf('#') + 1) : "";
        Path resolved = path.isEmpty() ? page : page.getParent().resolve(URI.create(path).getPath()).normalize();
        if (!resolved.startsWith(SITE) || !Files.isRegularFile(resolved)) {
          broken.add(SITE.relativize(page) + ": " + target + " (no such file)");
          continue;
        }
        if (!fragment.isEmpty() && resolved.toString().endsWith(".html")) {
          Set<String> targetIds = ids.computeIfAbsent(resolved, SiteBrowserTest::idsOf);
          if (!targetIds.contains(fragment)) {
            broken.add(SITE.relativize(page) + ": " + target + " (no such anchor)");
          }
        }
      }
    }
    assertThat(broken).as("broken internal links").isEmpty();
    assertThat(checked).as("internal links checked").isGreaterThan(pages.size() * 5);
  }

  @Test
  void everyPageLoadsInChromiumWithItsTitleAndContent() throws Exception {
    for (Path page : pages) {
      Document built = Jsoup.parse(page.toFile(), "UTF-8");
      String title = built.selectFirst("h1") == null ? "" : built.selectFirst("h1").text();
      assertThat(title).as("%s has a title", page).isNotBlank();
      String dom = Chromium.dom(page.toUri().toString());
      Document rendered = Jsoup.parse(dom);
      assertThat(rendered.selectFirst("h1")).as("%s rendered by Chromium", page).isNotNull();
      assertThat(rendered.selectFirst("h1").text()).isEqualTo(title);
      assertThat(rendered.select("#content p, #content td, #content li").size())
          .as("%s has text", page)
          .isGreaterThan(2);
    }
  }

  @Test
  void screenshotsOfTheHomePageAndAnIntegrationPageAreNotBlank() throws Exception {
    Files.createDirectories(SHOTS);
    for (String page : List.of("index.html", "integrations/javalin.html")) {
      Path shot = SHOTS.resolve(page.replace('/', '-').replace(".html", ".png"));
      Files.deleteIfExists(shot);
      Chromium.screenshot(SITE.resolve(page).toUri().toString(), shot, 900);
      assertThat(shot).as("screenshot of %s", page).exists();
      assertThat(Files.size(shot)).as("screenshot of %s in bytes", page).isGreaterThan(20_000);
      BufferedImage image = ImageIO.read(shot.toFile());
      assertThat(image.getWidth()).isEqualTo(1280);
      Set<Integer> colours = new HashSet<>();
      int dark = 0;
      for (int y = 0; y < image.getHeight(); y += 3) {
        for (int x = 0; x < image.getWidth(); x += 3) {
          int rgb = image.getRGB(x, y) & 0xffffff;
          colours.add(rgb);
          if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 300) {
            dark++;
          }
        }
      }
      assertThat(colours.size()).as("distinct colours in %s", page).isGreaterThan(50);
      assertThat(dark).as("dark (text) pixels sampled in %s", page).isGreaterThan(1_000);
    }
  }

  private static Set<String> idsOf(Path page) {
    try {
      Set<String> found = new HashSet<>();
      Document doc = Jsoup.parse(page.toFile(), "UTF-8");
      doc.select("[id]").forEach(e -> found.add(e.id()));
      doc.select("a[name]").forEach(e -> found.add(e.attr("name")));
      return found;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
