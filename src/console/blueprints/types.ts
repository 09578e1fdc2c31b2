/** A starting point for a new function: its files, handler and the sample event that fits it. */
export interface Blueprint {
  id: string;
  title: string;
  description: string;
  handler: string;
  files: Record<string, string>;
  /** Name of the islet sample event to test it with. */
  sample: string;
}
