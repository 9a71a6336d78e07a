/** The names Lostrómos writes are the shared model's (@lostromos/model). */
export {
  CLEANUP_FINALIZER,
  FIELD_MANAGER,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  OWNER_UID_LABEL,
  PAUSED_ANNOTATION,
  RESOURCE_LABEL,
} from '@lostromos/model';
