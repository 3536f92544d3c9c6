/**
 * Text made safe for a terminal or a log line: names and error messages may come from a remote
 * server (or a timeline file someone sent), and a control character in them would move the cursor,
 * clear the screen, or (a line break) forge another line. Line breaks and tabs become spaces, other
 * control characters `?`.
 *
 * @example
 * ```ts
 * plainText('refused\n\u001b[2J'); // 'refused ?[2J'
 * ```
 */
export function plainText(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => ('\n\r\t'.includes(c) ? ' ' : '?'));
}
