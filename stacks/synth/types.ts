/** One resource the app declares, as the cloud provider would receive it. */
export interface SynthResource {
  /** Pulumi type token, e.g. `aws:sqs/queuePolicy:QueuePolicy`. */
  readonly type: string;
  /** Pulumi resource name (SST prefixes a component's children with the component's name). */
  readonly name: string;
  /**
   * The inputs, resolved to plain JSON. Markers: `{ $unknown: true }` for a value known only at
   * deploy time, `{ $secret: v }` for a secret, `{ $asset: 'FileArchive', path }` for assets.
   */
  readonly inputs: Record<string, unknown>;
}

export interface SynthOptions {
  /** The stage (`$app.stage`); `synth` by default. */
  readonly stage?: string;
  /** The SST config to run (absolute, or relative to `root`); `sst.config.ts` by default. */
  readonly config?: string;
  /** The repository root; this checkout by default. */
  readonly root?: string;
  /** `SST_SECRET_<Name>` values; every secret not given gets the placeholder `synth-<Name>`. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Install `.sst/platform` when it is missing (needs the npm registry); true by default. */
  readonly install?: boolean;
  /** Gives up after this long; 120 s by default. */
  readonly timeoutMs?: number;
}
