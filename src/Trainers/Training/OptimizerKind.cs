namespace MLNet.Extensions.Trainers.Training;

/// <summary>Gradient-descent update rules.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum (and Nesterov's variant when <see cref="NetworkTrainingOptions.Nesterov"/> is set).</summary>
    Sgd,
    /// <summary>Adam; weight decay is added to the gradient (L2).</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
    /// <summary>RMSProp.</summary>
    RmsProp,
}
