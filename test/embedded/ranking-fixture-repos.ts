/**
 * Small generated repositories in eight languages for the ranking fixture: the same three concerns
 * (retry back-off, cache eviction, config parsing) written the way each language writes them, with
 * a test file and a README that mention every concern as decoys. Each question names no identifier;
 * the unit that answers it is known.
 */

export interface FixtureQuestion {
  query: string;
  /** The file and the unit name that answer it. */
  path: string;
  unit: string;
}

export interface FixtureRepo {
  language: string;
  files: Record<string, string>;
  questions: FixtureQuestion[];
}

const README =
  "# netkit\n\nA client with retries (exponential delay), an LRU cache that evicts the least recently used entry, and a config file parser.\n";

function questions(ext: string, dir: string, backoff: string, evict: string, parse: string): FixtureQuestion[] {
  return [
    { query: "where is the delay before the next retry attempt computed?", path: `${dir}retry.${ext}`, unit: backoff },
    {
      query: "which code removes the least recently used entry when the cache is full?",
      path: `${dir}cache.${ext}`,
      unit: evict,
    },
    {
      query: "how are key = value lines of the configuration text split, and comments skipped?",
      path: `${dir}config.${ext}`,
      unit: parse,
    },
  ];
}

const python: FixtureRepo = {
  language: "python",
  files: {
    "README.md": README,
    "netkit/__init__.py": "",
    "netkit/retry.py": `import random


def should_retry(status):
    return status >= 500


def backoff_delay(attempt, base=0.5, cap=30.0):
    """Delay before the next attempt: exponential with jitter, capped."""
    delay = min(cap, base * (2 ** attempt))
    return delay * random.uniform(0.5, 1.0)


class Retrier:
    def __init__(self, attempts=3):
        self.attempts = attempts

    def run(self, fn):
        for attempt in range(self.attempts):
            result = fn()
            if not should_retry(result.status):
                return result
        return result
`,
    "netkit/cache.py": `from collections import OrderedDict


class LruCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.entries = OrderedDict()

    def get(self, key):
        value = self.entries.pop(key)
        self.entries[key] = value
        return value

    def put(self, key, value):
        self.entries[key] = value
        if len(self.entries) > self.capacity:
            self._evict_oldest()

    def _evict_oldest(self):
        # The first entry is the least recently used one: drop it when full.
        self.entries.popitem(last=False)
`,
    "netkit/config.py": `def parse_lines(text):
    settings = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        settings[key.strip()] = value.strip()
    return settings


def load(path):
    with open(path) as fh:
        return parse_lines(fh.read())
`,
    "tests/test_netkit.py": `from netkit.cache import LruCache
from netkit.config import parse_lines
from netkit.retry import backoff_delay


def test_retry_delay_grows():
    assert backoff_delay(3) > 0


def test_cache_evicts_least_recently_used_entry_when_full():
    cache = LruCache(1)
    cache.put("a", 1)
    cache.put("b", 2)


def test_config_lines_split_on_key_value_and_comments_skipped():
    assert parse_lines("a = 1\\n# comment") == {"a": "1"}
`,
  },
  questions: questions("py", "netkit/", "backoff_delay", "LruCache._evict_oldest", "parse_lines"),
};

const typescript: FixtureRepo = {
  language: "typescript",
  files: {
    "README.md": README,
    "src/retry.ts": `export function shouldRetry(status: number): boolean {
  return status >= 500;
}

/** Delay before the next attempt: exponential with jitter, capped. */
export const backoffDelay = (attempt: number, base = 500, cap = 30_000): number => {
  const delay = Math.min(cap, base * 2 ** attempt);
  return delay * (0.5 + Math.random() / 2);
};

export class Retrier {
  constructor(private readonly attempts = 3) {}

  async run<T extends { status: number }>(fn: () => Promise<T>): Promise<T> {
    let result = await fn();
    for (let attempt = 1; attempt < this.attempts && shouldRetry(result.status); attempt++) result = await fn();
    return result;
  }
}
`,
    "src/cache.ts": `export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  put(key: string, value: V): void {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.evictOldest();
  }

  private evictOldest(): void {
    // The first key is the least recently used one: drop it when full.
    const oldest = this.entries.keys().next().value;
    if (oldest !== undefined) this.entries.delete(oldest);
  }
}
`,
    "src/config.ts": `export function parseLines(text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const raw of text.split("\\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    settings[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return settings;
}
`,
    "test/netkit.test.ts": `import { LruCache } from "../src/cache";
import { parseLines } from "../src/config";
import { backoffDelay } from "../src/retry";

test("retry delay grows", () => expect(backoffDelay(3)).toBeGreaterThan(0));
test("cache evicts the least recently used entry when full", () => new LruCache(1).put("a", 1));
test("config lines split on key = value, comments skipped", () => expect(parseLines("a = 1")).toEqual({ a: "1" }));
`,
  },
  questions: questions("ts", "src/", "backoffDelay", "LruCache.evictOldest", "parseLines"),
};

const go: FixtureRepo = {
  language: "go",
  files: {
    "README.md": README,
    "go.mod": "module example.com/netkit\n\ngo 1.21\n",
    "retry.go": `package netkit

import (
	"math"
	"math/rand"
	"time"
)

func shouldRetry(status int) bool { return status >= 500 }

// BackoffDelay is the delay before the next attempt: exponential with jitter, capped.
func BackoffDelay(attempt int, base, cap time.Duration) time.Duration {
	delay := math.Min(float64(cap), float64(base)*math.Pow(2, float64(attempt)))
	return time.Duration(delay * (0.5 + rand.Float64()/2))
}
`,
    "cache.go": `package netkit

import "container/list"

type LruCache struct {
	capacity int
	order    *list.List
	entries  map[string]*list.Element
}

func (c *LruCache) Put(key string, value any) {
	c.entries[key] = c.order.PushFront(value)
	if c.order.Len() > c.capacity {
		c.evictOldest()
	}
}

// evictOldest drops the least recently used entry (the back of the list) when full.
func (c *LruCache) evictOldest() {
	oldest := c.order.Back()
	if oldest != nil {
		c.order.Remove(oldest)
	}
}
`,
    "config.go": `package netkit

import "strings"

func ParseLines(text string) map[string]string {
	settings := map[string]string{}
	for _, raw := range strings.Split(text, "\\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, "=")
		settings[strings.TrimSpace(key)] = strings.TrimSpace(value)
	}
	return settings
}
`,
    "netkit_test.go": `package netkit

import "testing"

func TestRetryDelayGrows(t *testing.T) { _ = BackoffDelay(3, 1, 10) }

func TestCacheEvictsLeastRecentlyUsedEntryWhenFull(t *testing.T) {}

func TestConfigLinesSplitOnKeyValueCommentsSkipped(t *testing.T) { _ = ParseLines("a = 1") }
`,
  },
  questions: questions("go", "", "BackoffDelay", "LruCache.evictOldest", "ParseLines"),
};

const rust: FixtureRepo = {
  language: "rust",
  files: {
    "README.md": README,
    "Cargo.toml": '[package]\nname = "netkit"\nversion = "0.1.0"\n',
    "src/lib.rs": "pub mod cache;\npub mod config;\npub mod retry;\n",
    "src/retry.rs": `pub fn should_retry(status: u16) -> bool {
    status >= 500
}

/// Delay before the next attempt: exponential with jitter, capped.
pub fn backoff_delay(attempt: u32, base_ms: u64, cap_ms: u64) -> u64 {
    let delay = base_ms.saturating_mul(1u64 << attempt.min(20));
    delay.min(cap_ms) / 2 + fastrand::u64(0..delay.min(cap_ms) / 2 + 1)
}
`,
    "src/cache.rs": `use std::collections::VecDeque;

pub struct LruCache {
    capacity: usize,
    order: VecDeque<String>,
}

impl LruCache {
    pub fn put(&mut self, key: String) {
        self.order.push_back(key);
        if self.order.len() > self.capacity {
            self.evict_oldest();
        }
    }

    /// Drops the least recently used entry (the front of the queue) when full.
    fn evict_oldest(&mut self) {
        self.order.pop_front();
    }
}
`,
    "src/config.rs": `use std::collections::HashMap;

pub fn parse_lines(text: &str) -> HashMap<String, String> {
    let mut settings = HashMap::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            settings.insert(key.trim().to_string(), value.trim().to_string());
        }
    }
    settings
}
`,
    "tests/netkit.rs": `#[test]
fn retry_delay_grows() { assert!(netkit::retry::backoff_delay(3, 1, 10) > 0); }

#[test]
fn cache_evicts_least_recently_used_entry_when_full() {}

#[test]
fn config_lines_split_on_key_value_comments_skipped() { netkit::config::parse_lines("a = 1"); }
`,
  },
  questions: questions("rs", "src/", "backoff_delay", "LruCache.evict_oldest", "parse_lines"),
};

const java: FixtureRepo = {
  language: "java",
  files: {
    "README.md": README,
    "src/main/java/org/netkit/Retry.java": `package org.netkit;

import java.util.concurrent.ThreadLocalRandom;

public final class Retry {
    private Retry() {}

    static boolean shouldRetry(int status) {
        return status >= 500;
    }

    /** Delay before the next attempt: exponential with jitter, capped. */
    public static long backoffDelay(int attempt, long baseMillis, long capMillis) {
        long delay = Math.min(capMillis, baseMillis << Math.min(attempt, 20));
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }
}
`,
    "src/main/java/org/netkit/Cache.java": `package org.netkit;

import java.util.LinkedHashMap;
import java.util.Map;

public class Cache<K, V> {
    private final int capacity;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);

    public Cache(int capacity) {
        this.capacity = capacity;
    }

    public void put(K key, V value) {
        entries.put(key, value);
        if (entries.size() > capacity) {
            evictOldest();
        }
    }

    /** Drops the least recently used entry (the first in access order) when full. */
    private void evictOldest() {
        K oldest = entries.keySet().iterator().next();
        entries.remove(oldest);
    }
}
`,
    "src/main/java/org/netkit/Config.java": `package org.netkit;

import java.util.HashMap;
import java.util.Map;

public final class Config {
    public static Map<String, String> parseLines(String text) {
        Map<String, String> settings = new HashMap<>();
        for (String raw : text.split("\\n")) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            settings.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return settings;
    }
}
`,
    "src/test/java/org/netkit/NetkitTest.java": `package org.netkit;

class NetkitTest {
    void retryDelayGrows() { Retry.backoffDelay(3, 1, 10); }
    void cacheEvictsLeastRecentlyUsedEntryWhenFull() { new Cache<String, String>(1).put("a", "b"); }
    void configLinesSplitOnKeyValueCommentsSkipped() { Config.parseLines("a = 1"); }
}
`,
  },
  questions: [
    ...questions("java", "src/main/java/org/netkit/", "Retry.backoffDelay", "Cache.evictOldest", "Config.parseLines"),
  ].map((q) => ({
    ...q,
    path: q.path.replace(
      /\/(retry|cache|config)\.java$/,
      (_, n: string) => `/${n[0]!.toUpperCase()}${n.slice(1)}.java`,
    ),
  })),
};

const ruby: FixtureRepo = {
  language: "ruby",
  files: {
    "README.md": README,
    "lib/netkit/retry.rb": `module Netkit
  module Retry
    def self.should_retry?(status)
      status >= 500
    end

    # Delay before the next attempt: exponential with jitter, capped.
    def self.backoff_delay(attempt, base = 0.5, cap = 30.0)
      delay = [cap, base * (2**attempt)].min
      delay * rand(0.5..1.0)
    end
  end
end
`,
    "lib/netkit/cache.rb": `module Netkit
  class LruCache
    def initialize(capacity)
      @capacity = capacity
      @entries = {}
    end

    def put(key, value)
      @entries[key] = value
      evict_oldest if @entries.size > @capacity
    end

    private

    # The first key is the least recently used one: drop it when full.
    def evict_oldest
      @entries.delete(@entries.keys.first)
    end
  end
end
`,
    "lib/netkit/config.rb": `module Netkit
  module Config
    def self.parse_lines(text)
      text.each_line.each_with_object({}) do |raw, settings|
        line = raw.strip
        next if line.empty? || line.start_with?("#")

        key, value = line.split("=", 2)
        settings[key.strip] = value.to_s.strip
      end
    end
  end
end
`,
    "spec/netkit_spec.rb": `describe "netkit" do
  it "retry delay grows" do
    Netkit::Retry.backoff_delay(3)
  end

  it "cache evicts the least recently used entry when full" do
  end

  it "config lines split on key = value, comments skipped" do
    Netkit::Config.parse_lines("a = 1")
  end
end
`,
  },
  questions: questions(
    "rb",
    "lib/netkit/",
    "Netkit.Retry.backoff_delay",
    "Netkit.LruCache.evict_oldest",
    "Netkit.Config.parse_lines",
  ),
};

const csharp: FixtureRepo = {
  language: "csharp",
  files: {
    "README.md": README,
    "src/Netkit/Retry.cs": `using System;

namespace Netkit
{
    public static class Retry
    {
        public static bool ShouldRetry(int status) => status >= 500;

        /// <summary>Delay before the next attempt: exponential with jitter, capped.</summary>
        public static TimeSpan BackoffDelay(int attempt, double baseSeconds, double capSeconds)
        {
            var delay = Math.Min(capSeconds, baseSeconds * Math.Pow(2, attempt));
            return TimeSpan.FromSeconds(delay * (0.5 + Random.Shared.NextDouble() / 2));
        }
    }
}
`,
    "src/Netkit/Cache.cs": `using System.Collections.Generic;

namespace Netkit
{
    public class LruCache<TKey, TValue> where TKey : notnull
    {
        private readonly int capacity;
        private readonly LinkedList<TKey> order = new();

        public LruCache(int capacity) => this.capacity = capacity;

        public void Put(TKey key, TValue value)
        {
            order.AddLast(key);
            if (order.Count > capacity)
            {
                EvictOldest();
            }
        }

        // The first node is the least recently used entry: drop it when full.
        private void EvictOldest()
        {
            order.RemoveFirst();
        }
    }
}
`,
    "src/Netkit/Config.cs": `using System.Collections.Generic;

namespace Netkit
{
    public static class Config
    {
        public static Dictionary<string, string> ParseLines(string text)
        {
            var settings = new Dictionary<string, string>();
            foreach (var raw in text.Split('\\n'))
            {
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith("#"))
                {
                    continue;
                }
                var eq = line.IndexOf('=');
                settings[line.Substring(0, eq).Trim()] = line.Substring(eq + 1).Trim();
            }
            return settings;
        }
    }
}
`,
    "tests/Netkit.Tests/NetkitTests.cs": `namespace Netkit.Tests
{
    public class NetkitTests
    {
        public void RetryDelayGrows() => Retry.BackoffDelay(3, 1, 10);
        public void CacheEvictsLeastRecentlyUsedEntryWhenFull() => new LruCache<string, int>(1).Put("a", 1);
        public void ConfigLinesSplitOnKeyValueCommentsSkipped() => Config.ParseLines("a = 1");
    }
}
`,
  },
  questions: questions(
    "cs",
    "src/Netkit/",
    "Netkit.Retry.BackoffDelay",
    "Netkit.LruCache.EvictOldest",
    "Netkit.Config.ParseLines",
  ).map((q) => ({
    ...q,
    path: q.path.replace(/\/(retry|cache|config)\.cs$/, (_, n: string) => `/${n[0]!.toUpperCase()}${n.slice(1)}.cs`),
  })),
};

const kotlin: FixtureRepo = {
  language: "kotlin",
  files: {
    "README.md": README,
    "src/main/kotlin/netkit/Retry.kt": `package netkit

import kotlin.math.min
import kotlin.math.pow
import kotlin.random.Random

fun shouldRetry(status: Int): Boolean = status >= 500

/** Delay before the next attempt: exponential with jitter, capped. */
fun backoffDelay(attempt: Int, baseMillis: Double = 500.0, capMillis: Double = 30_000.0): Double {
    val delay = min(capMillis, baseMillis * 2.0.pow(attempt))
    return delay * (0.5 + Random.nextDouble() / 2)
}
`,
    "src/main/kotlin/netkit/Cache.kt": `package netkit

class LruCache<K, V>(private val capacity: Int) {
    private val entries = LinkedHashMap<K, V>()

    fun put(key: K, value: V) {
        entries[key] = value
        if (entries.size > capacity) {
            evictOldest()
        }
    }

    /** Drops the least recently used entry (the first key) when full. */
    private fun evictOldest() {
        val oldest = entries.keys.first()
        entries.remove(oldest)
    }
}
`,
    "src/main/kotlin/netkit/Config.kt": `package netkit

fun parseLines(text: String): Map<String, String> {
    val settings = mutableMapOf<String, String>()
    for (raw in text.lines()) {
        val line = raw.trim()
        if (line.isEmpty() || line.startsWith("#")) {
            continue
        }
        val (key, value) = line.split("=", limit = 2)
        settings[key.trim()] = value.trim()
    }
    return settings
}
`,
    "src/test/kotlin/netkit/NetkitTest.kt": `package netkit

class NetkitTest {
    fun retryDelayGrows() { backoffDelay(3) }
    fun cacheEvictsLeastRecentlyUsedEntryWhenFull() { LruCache<String, Int>(1).put("a", 1) }
    fun configLinesSplitOnKeyValueCommentsSkipped() { parseLines("a = 1") }
}
`,
  },
  questions: questions("kt", "src/main/kotlin/netkit/", "backoffDelay", "LruCache.evictOldest", "parseLines").map(
    (q) => ({
      ...q,
      path: q.path.replace(/\/(retry|cache|config)\.kt$/, (_, n: string) => `/${n[0]!.toUpperCase()}${n.slice(1)}.kt`),
    }),
  ),
};

export const FIXTURE_REPOS: readonly FixtureRepo[] = [python, typescript, go, rust, java, ruby, csharp, kotlin];
