/**
 * The part of mvdan-sh (mvdan/sh's syntax package compiled to JavaScript) that
 * shell/parse.ts uses. Nodes are Go structs seen through JavaScript: fields are read by
 * name, positions are UTF-8 byte offsets. The package ships no types.
 */
declare module 'mvdan-sh' {
  export type ShPos = { Offset(): number };
  export type ShNode = { readonly [field: string]: unknown; Pos(): ShPos; End(): ShPos };
  export type ShParser = { Parse(src: string, name: string): ShNode };
  const sh: {
    syntax: {
      NewParser(): ShParser;
      NodeType(node: ShNode): string;
      /** Calls `visit` on `node` and, while it returns true, on its children; then once with null. */
      Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
    };
  };
  export default sh;
}
