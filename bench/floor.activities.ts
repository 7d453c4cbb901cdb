// The floor's activity: does nothing, so what is left is the engine's own cost per step.
export const floorActivities = {
  async noop(_step: string): Promise<void> {},
};
export type FloorActivities = typeof floorActivities;
