/** CLI arguments shared by the governance tests. */

/**
 * `governance propose` for a parameter change. With no title or description, the product
 * description's own command: "Increase renewable energy incentives", carbon_credits.solar to 0.7.
 */
export function proposeParameterArgs(
  parameter = "carbon_credits.solar",
  newValue = "0.7",
  title = "Increase renewable energy incentives",
  description = "Proposal to increase carbon credit rates for solar energy",
): string[] {
  return [
    "governance",
    "propose",
    "--title",
    title,
    ...(description ? ["--description", description] : []),
    "--type",
    "parameter-change",
    "--parameter",
    parameter,
    "--new-value",
    newValue,
  ];
}
