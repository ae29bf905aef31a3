/// <reference path="./mvdan-sh.d.ts" />
import type sh from 'mvdan-sh';
/** mvdan/sh's syntax package, loaded on first call. */
export declare function syntax(): (typeof sh)['syntax'];
