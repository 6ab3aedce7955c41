/** Longest piece of user input an error message repeats. */
export const QUOTE_MAX = 200;

/**
 * User input as an error message quotes it: at most QUOTE_MAX characters,
 * then how long it really was, so a 10 MB name cannot make a 10 MB error.
 */
export function quote(text: string, max = QUOTE_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
