/** A count and its noun as people write them: "1 meeting", "0 meetings", "2 users". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
