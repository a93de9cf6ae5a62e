//! `demine plan`.

#[derive(clap::Args)]
pub struct PlanArgs {}

pub fn run(_a: PlanArgs) -> anyhow::Result<()> {
    anyhow::bail!("the planner is being written")
}
