/** Log-line prefixes (priorities, timestamps, journal host and tag, printk caller) and their removal. */

// \x1b[…m colour codes from serial consoles and `dmesg --color`
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const PREFIXES: readonly RegExp[] = [
  // syslog priority "<4>" (kmsg, serial consoles with loglevel prefix)
  /^<\d{1,3}>/,
  // dmesg -x: "kern  :warn  : "
  /^[a-z]+\s*:[a-z]+\s*: /,
  // journalctl / syslog: "Nov 24 13:56:27 host kernel: " (optionally with microseconds)
  /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ kernel: /,
  // journalctl -o short-iso / short-precise / rfc3339: "2026-11-24T13:56:27+0000 host kernel: "
  /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)? \S+ kernel: /,
  // dmesg --time-format iso: "2026-11-24T13:56:27,123456+00:00 "
  /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d) /,
  // bare "kernel: " (some syslog forwarders), or "host kernel: " after a stripped timestamp (journalctl -o short-monotonic)
  /^(?:[\w.-]+ )?kernel: /,
  // monotonic timestamp "[   12.345678] " and dmesg -T "[Tue Nov 24 13:56:27 2026] "
  /^\[\s*\d+\.\d+\] ?/,
  /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/,
  // CONFIG_PRINTK_CALLER "[  T123] " / "[    C2] "
  /^\[\s*[TC]\d+\] ?/,
];

/** Strips log prefixes (priority, timestamps, journal host/tag, printk caller); keeps the message's own indentation. */
export function stripLogPrefix(line: string): string {
  let s = line.replace(ANSI, '').replace(/\r$/, '');
  for (let guard = 0; guard < 8; guard++) {
    let changed = false;
    for (const re of PREFIXES) {
      const m = re.exec(s);
      if (m && m[0].length > 0) {
        s = s.slice(m[0].length);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return s;
}
