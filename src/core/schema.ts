/** Shared learning vocabulary: tasks and the typed columns a model expects (its signature). */
/** clustering has no target column: its "classes" are the cluster labels the model found */
export type Task = 'binary' | 'multiclass' | 'regression' | 'clustering';

export interface NumericFeature {
  name: string;
  kind: 'numeric';
  /** integer-valued in the training data (served as INT64 or FP64) */
  integer: boolean;
  /** a date or timestamp (epoch milliseconds); learners see its parts (year, month, day, weekday, hour) as well */
  datetime?: boolean;
  min: number;
  max: number;
  missing: number;
}

export interface CategoricalFeature {
  name: string;
  kind: 'categorical';
  categories: string[];
  missing: number;
}

export type FeatureSpec = NumericFeature | CategoricalFeature;

export interface TargetSpec {
  name: string;
  task: Task;
  /** class labels in the order of probability columns (classification only) */
  classes?: string[];
}
