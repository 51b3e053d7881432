/** At most this many runs side by side (more would not be readable); its own module so the runs page does not load charts. */
export const MAX_COMPARED = 20;
