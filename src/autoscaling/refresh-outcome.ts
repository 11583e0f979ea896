// What an instance refresh's status means for `rollout`: keep watching, done, or a failure saying what happened.
import type { InstanceRefresh } from "@aws-sdk/client-auto-scaling";
import { RuntimeFailure } from "../errors.js";

/** Statuses after which AWS does nothing more (the SDK's InstanceRefreshStatus); the others (Pending, InProgress, Baking, Cancelling, RollbackInProgress) mean wait. */
export const TERMINAL_STATUSES = ["Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"] as const;

export function isTerminal(status: string | undefined): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status ?? "");
}

/** The commands that look at, stop, or undo the group's refresh. */
export function refreshCommands(asg: string, refreshId?: string): { describe: string; cancel: string; rollback: string } {
  return {
    describe: `aws autoscaling describe-instance-refreshes --auto-scaling-group-name ${asg}${refreshId ? ` --instance-refresh-ids ${refreshId}` : ""}`,
    cancel: `aws autoscaling cancel-instance-refresh --auto-scaling-group-name ${asg}`,
    rollback: `aws autoscaling rollback-instance-refresh --auto-scaling-group-name ${asg}`,
  };
}

/** The failure a terminal status other than Successful stands for (exit 1); undefined for Successful. */
export function refreshFailure(asg: string, refresh: InstanceRefresh): RuntimeFailure | undefined {
  const id = refresh.InstanceRefreshId ?? "?";
  const reason = refresh.StatusReason ? `: ${refresh.StatusReason}` : "";
  const rollbackReason = refresh.RollbackDetails?.RollbackReason;
  const look = `see what happened: ${refreshCommands(asg, id).describe}`;
  switch (refresh.Status) {
    case "Successful":
      return undefined;
    case "RollbackSuccessful":
      return new RuntimeFailure(`the instance refresh ${id} of ${asg} failed and was rolled back${rollbackReason ? `: ${rollbackReason}` : reason}`, {
        details: ["the group runs its previous launch template version again", look],
      });
    case "RollbackFailed":
      return new RuntimeFailure(`the instance refresh ${id} of ${asg} failed, and so did its rollback${reason}`, {
        details: [...(rollbackReason ? [`why it rolled back: ${rollbackReason}`] : []), "the group may run a mix of old and new instances: check it before anything else", look],
      });
    case "Cancelled":
      return new RuntimeFailure(`the instance refresh ${id} of ${asg} was cancelled${reason}`, {
        details: ["the group may run a mix of old and new instances: run the rollout again, or roll back", look],
      });
    default:
      return new RuntimeFailure(`the instance refresh ${id} of ${asg} ended ${refresh.Status ?? "without a status"}${reason}`, { details: [look] });
  }
}
