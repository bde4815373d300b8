import type { UnitOfWork } from '../data/unit-of-work.js';
import type { Tenant } from '../organisations/tenant.js';

/**
 * What an entry is about, as Flagsmith's `related_object_type` names it (at most 20 characters). Flagsmith's
 * own kinds come first; the organisation-level kinds are ours, Flagsmith not auditing those.
 */
export type RelatedObjectType =
  | 'FEATURE'
  | 'FEATURE_STATE'
  | 'SEGMENT'
  | 'ENVIRONMENT'
  | 'CHANGE_REQUEST'
  | 'ORGANISATION'
  | 'PROJECT'
  | 'USER'
  | 'INVITE'
  | 'INVITE_LINK'
  | 'GROUP'
  | 'MASTER_API_KEY'
  | 'SERVER_API_KEY'
  | 'IDENTITY'
  | 'USER_PERMISSION'
  | 'GROUP_PERMISSION'
  | 'WEBHOOK';

/** Who made a change: a person, a master API key (for its organisation), or the system itself (null). */
export type AuditActor = Tenant | null;

export interface AuditEntry {
  /** The organisation whose log this is: its members read it, its webhooks receive it. */
  readonly organisationId: number;
  readonly projectId?: number | null;
  readonly environmentId?: number | null;
  readonly actor: AuditActor;
  readonly relatedObjectType: RelatedObjectType;
  readonly relatedObjectId: number | null;
  readonly relatedObjectUuid?: string | null;
  /** A readable line, phrased as Flagsmith phrases them: "New Project created: Website". */
  readonly log: string;
  readonly isSystemEvent?: boolean;
}

/** A stored entry: the row as `audit_logs` holds it. */
export interface AuditRecord {
  readonly id: number;
  readonly created_date: Date;
  readonly organisation_id: number | null;
  readonly project_id: number | null;
  readonly environment_id: number | null;
  readonly log: string;
  readonly author_id: number | null;
  readonly master_api_key_id: number | null;
  readonly related_object_id: number | null;
  readonly related_object_uuid: string | null;
  readonly related_object_type: string | null;
  readonly is_system_event: boolean;
}

/** Runs inside the unit of work that recorded the entry (the webhook outbox writes its rows here). */
export type AuditSubscriber = (uow: UnitOfWork, record: AuditRecord) => Promise<void>;

/**
 * The audit log's write side. Services call `record(uow, entry)` with the unit of work that makes the change,
 * so that the entry commits with it or not at all; subscribers (webhooks) run in the same transaction.
 */
export class AuditLog {
  readonly #subscribers: AuditSubscriber[] = [];

  /** `subscriber` runs for every entry, inside its transaction; a throw rolls the change back. */
  onRecorded(subscriber: AuditSubscriber): void {
    this.#subscribers.push(subscriber);
  }

  async record(uow: UnitOfWork, entry: AuditEntry): Promise<AuditRecord> {
    const actor = entry.actor;
    const [record] = (await uow
      .knex('audit_logs')
      .insert({
        organisation_id: entry.organisationId,
        project_id: entry.projectId ?? null,
        environment_id: entry.environmentId ?? null,
        log: entry.log,
        author_id: actor?.kind === 'user' ? actor.userId : null,
        master_api_key_id: actor?.kind === 'masterApiKey' ? actor.keyId : null,
        related_object_id: entry.relatedObjectId,
        related_object_uuid: entry.relatedObjectUuid ?? null,
        related_object_type: entry.relatedObjectType,
        is_system_event: entry.isSystemEvent ?? false,
      })
      .returning('*')) as AuditRecord[];
    const stored = record as AuditRecord;
    for (const subscriber of this.#subscribers) await subscriber(uow, stored);
    return stored;
  }
}
