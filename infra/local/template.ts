import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../build-app';

/**
 * The local stack reads the CDK app's synthesized templates: tables, functions, the state machine and the
 * stream mappings come from there, never from a second copy. Bundling is skipped (the local stack runs the
 * TypeScript sources); everything else is the same synthesis `npm run synth` does.
 */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

export interface SynthesizedApp {
  stateful: CfnTemplate;
  stateless: CfnTemplate;
  statefulName: string;
  statelessName: string;
}

export const LOCAL_STAGE = 'local';

export function synthesizeTemplates(outdir: string): SynthesizedApp {
  const app = new App({
    outdir,
    // The template is the same either way. CDK's built-in CloudFormation rule check runs in `npm run synth`
    // and in tests/infra; here it cost about 5 s of CPU at every `npm start`.
    builtinCloudFormationValidation: false,
    context: {
      stage: LOCAL_STAGE,
      // Skip esbuild bundling of every function: the local stack imports the sources directly.
      'aws:cdk:bundling-stacks': [],
      '@aws-cdk/core:defaultCrossStackReferences': 'strong',
    },
  });
  // cdk-nag holds the templates to its rules in `npm run synth` and tests/infra; here it would only cost time.
  const built = buildApp(app, { nag: false });
  const assembly = app.synth();
  const read = (name: string) =>
    JSON.parse(readFileSync(join(assembly.directory, `${name}.template.json`), 'utf8')) as CfnTemplate;
  return {
    stateful: read(built.stateful.artifactId),
    stateless: read(built.stateless.artifactId),
    statefulName: built.stateful.stackName,
    statelessName: built.stateless.stackName,
  };
}

export class UnresolvableError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'UnresolvableError';
  }
}

/**
 * Resolves the intrinsic functions the local stack meets (Ref, Fn::GetAtt, Fn::Join, Fn::ImportValue,
 * Fn::Select, Fn::Split) to local values. Unknown references fail loudly rather than becoming placeholders.
 */
export class TemplateResolver {
  private readonly exports = new Map<string, unknown>();

  public constructor(
    private readonly templates: CfnTemplate[],
    private readonly refs: (logicalId: string, resource: CfnResource) => string | undefined,
    private readonly attrs: (
      logicalId: string,
      attribute: string,
      resource: CfnResource,
    ) => string | undefined,
  ) {
    for (const template of templates) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export) this.exports.set(String(this.resolve(output.Export.Name)), output.Value);
      }
    }
  }

  private find(logicalId: string): CfnResource {
    for (const t of this.templates) {
      const r = t.Resources[logicalId];
      if (r) return r;
    }
    throw new UnresolvableError(`No resource ${logicalId} in the synthesized templates`);
  }

  public resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const arg = obj[key];
      switch (key) {
        case 'Ref': {
          const id = String(arg);
          if (id === 'AWS::Region') return 'ap-south-1';
          if (id === 'AWS::AccountId') return '000000000000';
          if (id === 'AWS::Partition') return 'aws';
          if (id === 'AWS::URLSuffix') return 'amazonaws.com';
          const ref = this.refs(id, this.find(id));
          if (ref === undefined) throw new UnresolvableError(`No local value for Ref ${id}`);
          return ref;
        }
        case 'Fn::GetAtt': {
          const [id, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as [string, string];
          const att = this.attrs(id, attribute, this.find(id));
          if (att === undefined)
            throw new UnresolvableError(`No local value for Fn::GetAtt ${id}.${attribute}`);
          return att;
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolve(parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::ImportValue': {
          const name = String(this.resolve(arg));
          if (!this.exports.has(name)) throw new UnresolvableError(`No export named ${name}`);
          return this.resolve(this.exports.get(name));
        }
        case 'Fn::Select': {
          const [index, list] = arg as [number, unknown];
          return (this.resolve(list) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(this.resolve(source)).split(sep);
        }
        default:
          if (key.startsWith('Fn::')) throw new UnresolvableError(`Unsupported intrinsic ${key}`);
      }
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, this.resolve(v)]));
  }
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}
