/**
 * The model registry on top of the artifact store: immutable version records, the champion pointer
 * (changed by compare-and-swap only) and every champion change. Keys: store/keys.ts.
 */
import { UpkeepError } from '../errors.js';
import { sha256Hex } from '../util.js';
import { championHistoryKey, championHistoryPrefix, championKey, versionKey, versionsPrefix } from '../store/keys.js';
import type { ArtifactStore } from '../store/store.js';
import type { ChampionPointer, ModelVersion } from './types.js';

export const versionId = (sha256: string): string => sha256.slice(0, 12);

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export function createRegistry(store: ArtifactStore) {
  const readJson = async <T>(key: string): Promise<{ value: T; sha256: string } | undefined> => {
    const bytes = await store.tryGet(key);
    if (!bytes) return undefined;
    return { value: JSON.parse(decode(bytes)) as T, sha256: sha256Hex(bytes) };
  };

  const registry = {
    async champion(modelId: string): Promise<{ pointer: ChampionPointer; sha256: string } | undefined> {
      const found = await readJson<ChampionPointer>(championKey(modelId));
      return found && { pointer: found.value, sha256: found.sha256 };
    },

    async version(modelId: string, version: string): Promise<ModelVersion | undefined> {
      return (await readJson<ModelVersion>(versionKey(modelId, version)))?.value;
    },

    async mustVersion(modelId: string, version: string): Promise<ModelVersion> {
      const v = await registry.version(modelId, version);
      if (!v) throw new UpkeepError('UnknownVersion', `model ${modelId}: no version ${version} in the registry (see upkeep versions ${modelId})`);
      return v;
    },

    async versions(modelId: string): Promise<ModelVersion[]> {
      const keys = await store.list(versionsPrefix(modelId));
      const out: ModelVersion[] = [];
      for (const key of keys) {
        const found = await readJson<ModelVersion>(key);
        if (found) out.push(found.value);
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.version.localeCompare(b.version));
    },

    async history(modelId: string): Promise<ChampionPointer[]> {
      const out: ChampionPointer[] = [];
      for (const key of await store.list(championHistoryPrefix(modelId))) {
        const found = await readJson<ChampionPointer>(key);
        if (found) out.push(found.value);
      }
      return out.sort((a, b) => a.generation - b.generation);
    },

    /** Records a version once; a second registration of the same version keeps the first record. */
    async register(version: ModelVersion): Promise<ModelVersion> {
      const put = await store.put(versionKey(version.modelId, version.version), json(version), { ifAbsent: true });
      if (put.created) return version;
      return (await registry.version(version.modelId, version.version)) ?? version;
    },

    /**
     * Makes `next` the champion if the champion is still `expected` (null: the config's artifact,
     * never promoted). Idempotent: when the pointer already is `next` from the same workflow run
     * (an activity retry), the existing pointer is returned.
     */
    async swapChampion(
      next: Omit<ChampionPointer, 'generation' | 'previous'>,
      expected: string | null,
      configVersion: string | undefined,
    ): Promise<ChampionPointer> {
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = await registry.champion(next.modelId);
        const p = current?.pointer;
        if (p && p.version === next.version && p.workflow?.runId !== undefined && p.workflow.runId === next.workflow?.runId) {
          await store.put(championHistoryKey(next.modelId, p.generation), json(p), { ifAbsent: true });
          return p;
        }
        const running = p?.version ?? configVersion;
        if (running === undefined) throw new Error(`model ${next.modelId}: the config's version is needed while nothing was promoted`);
        if (running !== (expected ?? configVersion)) {
          // Our own swap, already followed by another change (a retry that comes late)?
          const ours =
            next.workflow && (await registry.history(next.modelId)).find((h) => h.workflow?.runId === next.workflow!.runId && h.version === next.version);
          if (ours) return ours;
          throw new UpkeepError(
            'ChampionChanged',
            `model ${next.modelId}: the champion is ${running}, not ${expected ?? configVersion} as when this request was made; nothing was changed`,
          );
        }
        const pointer: ChampionPointer = { ...next, generation: (p?.generation ?? 0) + 1, previous: running };
        const swapped = await store.putIfMatch(championKey(next.modelId), json(pointer), current?.sha256 ?? null);
        if (swapped.ok) {
          await store.put(championHistoryKey(next.modelId, pointer.generation), json(pointer), { ifAbsent: true });
          return pointer;
        }
      }
      throw new Error(`model ${next.modelId}: the champion pointer kept changing while it was being swapped; retrying`);
    },
  };
  return registry;
}

export type Registry = ReturnType<typeof createRegistry>;
