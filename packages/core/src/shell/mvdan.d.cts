// oxlint-disable-next-line typescript/triple-slash-reference -- a declaration file loads the ambient `mvdan-sh` module this way.
/// <reference path="./mvdan-sh.d.ts" />
import type sh from 'mvdan-sh';
/** mvdan/sh's syntax package, loaded on first call. */
export declare function syntax(): (typeof sh)['syntax'];
