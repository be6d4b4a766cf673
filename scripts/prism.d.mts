export declare const DEFAULT_SPEC: string;
export declare function freePort(): Promise<number>;
export type PrismOptions = {
  spec?: string;
  port?: number;
  upstream?: string;
  errors?: boolean;
  dynamic?: boolean;
};
export type PrismProcess = { url: string; pid: number; output: () => string; stop: () => Promise<void> };
export declare function startPrism(options?: PrismOptions): Promise<PrismProcess>;
