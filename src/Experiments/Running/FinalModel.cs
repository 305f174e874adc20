namespace MLNet.Extensions.Experiments;

/// <summary>Which model of the best trial the result holds.</summary>
public enum FinalModel
{
    /// <summary>The model the trial trained (on its training split; the first fold's under cross-validation). Costs nothing after the budget.</summary>
    Trained,

    /// <summary>The best configuration trained again on all the data for the same epochs (after the budget, not counted in it).</summary>
    Refit,
}
