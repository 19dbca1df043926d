// date-format (log4js's date formatter) ships no types; the one function the tests call.
declare module 'date-format' {
  const dateFormat: { asString(format: string, date: Date): string };
  export default dateFormat;
}
