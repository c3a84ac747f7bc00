/** Vite's `?raw` imports (a file's text) for the projects that do not load `vite/client`'s types. */
declare module '*?raw' {
  const text: string;
  export default text;
}
