import type { ProjectModel } from '../projects/project-model.js';
import { projectToWire } from '../projects/project-routes.js';
import type { AuditView, EnvironmentRow } from './audit-store.js';

const iso = (date: unknown) => (date instanceof Date ? date.toISOString() : null);

/** EnvironmentSerializerLightWithoutMetadata, from the columns the environments table has. */
function environmentToWire(environment: EnvironmentRow) {
  return {
    id: environment.id,
    uuid: environment.uuid,
    name: environment.name,
    api_key: environment.api_key,
    description: environment.description ?? null,
    project: environment.project_id,
    minimum_change_request_approvals: environment.minimum_change_request_approvals ?? null,
    allow_client_traits: environment.allow_client_traits ?? true,
    banner_text: environment.banner_text ?? null,
    banner_colour: environment.banner_colour ?? null,
    hide_disabled_flags: environment.hide_disabled_flags ?? null,
    use_mv_v2_evaluation: true,
    hide_sensitive_data: environment.hide_sensitive_data ?? false,
    use_identity_composite_key_for_hashing: environment.use_identity_composite_key_for_hashing ?? true,
    use_identity_overrides_in_local_eval: environment.use_identity_overrides_in_local_eval ?? false,
  };
}

/** Flagsmith's AuditLogSerializer: the author as UserListSerializer, the project and environment nested. */
export function auditToWire(view: AuditView) {
  const { record, author, project, environment } = view;
  return {
    id: record.id,
    created_date: record.created_date.toISOString(),
    log: record.log,
    author: author
      ? {
          id: author.id,
          email: author.email,
          first_name: author.first_name,
          last_name: author.last_name,
          last_login: iso(author.last_login),
          uuid: author.uuid,
        }
      : null,
    environment: environment ? environmentToWire(environment) : null,
    project: project ? projectToWire(project as unknown as ProjectModel) : null,
    related_object_id: record.related_object_id,
    related_object_uuid: record.related_object_uuid,
    related_object_type: record.related_object_type,
    is_system_event: record.is_system_event,
  };
}

export type AuditWire = ReturnType<typeof auditToWire>;
