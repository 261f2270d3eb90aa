/** `npm run build:web`: builds the web app into web/dist (docs/web-app.md), whether or not it is current. */
import { buildWeb, webBundleSize } from '../devkit/webBuild.ts';

const result = buildWeb();
if (!result.built) {
  console.error(`build:web: ${result.problem}`);
  process.exit(1);
}
const { files, bytes } = webBundleSize();
console.log(`build:web: web/dist holds ${files} files, ${(bytes / 1024).toFixed(0)} KiB`);
