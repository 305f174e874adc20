using Microsoft.ML.SearchSpace;
namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// Options every network trainer shares. A record of plain values: copy with <c>with</c>, compare with <c>==</c>,
/// print with <c>ToString()</c>, so that an experiment runner can sweep them. <see cref="Validate"/> names the bad option.
/// </summary>
public abstract record NetworkTrainingOptions
{
    /// <summary>Defaults shared by the trainers and their catalog methods; README "Defaults" lists where a trainer differs and why.</summary>
    public static class Defaults
    {
        /// <summary>Default label column.</summary>
        public const string LabelColumnName = "Label";
        /// <summary>Default feature column.</summary>
        public const string FeatureColumnName = "Features";
        /// <summary>Default epochs (the forecaster, which sees few windows per epoch, uses 300, annealed, with validation; README "Defaults").</summary>
        public const int Epochs = 10;
        /// <summary>Default mini-batch size.</summary>
        public const int BatchSize = 64;
        /// <summary>Default learning rate (Adam's usual).</summary>
        public const float LearningRate = 1e-3f;
    }

    /// <summary>Label column: a key for multiclass, Boolean for binary, Single for regression.</summary>
    public string LabelColumnName { get; init; } = Defaults.LabelColumnName;

    /// <summary>Feature column: a vector of Single.</summary>
    public string FeatureColumnName { get; init; } = Defaults.FeatureColumnName;

    /// <summary>
    /// Example-weight column (Single, finite, zero or more; ML.NET's convention), or null for none: each row's loss is
    /// multiplied by its weight, the mean still taken over rows, so a weight of 2 counts a row twice. Read from the validation
    /// data too when it has the column. Scores are unaffected; the reported accuracy and RMSE stay unweighted.
    /// </summary>
    public string? ExampleWeightColumnName { get; init; }

    /// <summary>
    /// Classification only: a loss weight per class in key order (binary: false, then true), multiplying each row's loss
    /// (with its example weight), in training and validation; null for none. Cannot be combined with <see cref="BalanceClasses"/>.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }

    /// <summary>
    /// Classification only: weights each class by rows / (classes * rows of the class), counted on the training data in Fit
    /// (scikit-learn's "balanced"), so that rare classes weigh as much in the loss as common ones.
    /// </summary>
    public bool BalanceClasses { get; init; }

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = Defaults.Epochs;

    /// <summary>Samples per gradient step.</summary>
    [Range(16, 256, 64, true)]
    public int BatchSize { get; init; } = Defaults.BatchSize;

    /// <summary>Update rule.</summary>
    [Choice(new object[] { OptimizerKind.Adam, OptimizerKind.AdamW, OptimizerKind.Sgd, OptimizerKind.RmsProp }, OptimizerKind.Adam)]
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Initial learning rate.</summary>
    [Range(1e-4f, 3e-2f, 1e-3f, true)]
    public float LearningRate { get; init; } = Defaults.LearningRate;

    /// <summary>Momentum for SGD and RMSProp.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>Use Nesterov momentum with SGD.</summary>
    public bool Nesterov { get; init; }

    /// <summary>L2 weight decay on weights (not biases or normalization scales); decoupled for AdamW.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Epochs between decays for <see cref="LearningRateSchedule.Step"/>.</summary>
    public int StepEpochs { get; init; } = 10;

    /// <summary>Decay factor for <see cref="LearningRateSchedule.Step"/>.</summary>
    public float StepGamma { get; init; } = 0.1f;

    /// <summary>Final rate for <see cref="LearningRateSchedule.Cosine"/>; the floor for <see cref="LearningRateSchedule.ReduceOnPlateau"/>.</summary>
    public float MinLearningRate { get; init; }

    /// <summary>Factor <see cref="LearningRateSchedule.ReduceOnPlateau"/> multiplies the rate by (Keras' default 0.1).</summary>
    public float PlateauFactor { get; init; } = 0.1f;

    /// <summary>Epochs without improvement before <see cref="LearningRateSchedule.ReduceOnPlateau"/> lowers the rate (Keras' default 10).</summary>
    public int PlateauPatience { get; init; } = 10;

    /// <summary>Epochs after a reduction before <see cref="LearningRateSchedule.ReduceOnPlateau"/> counts again.</summary>
    public int PlateauCooldown { get; init; }

    /// <summary>Least fall in the monitored loss that counts as an improvement for <see cref="LearningRateSchedule.ReduceOnPlateau"/> (Keras' default 1e-4).</summary>
    public float PlateauMinDelta { get; init; } = 1e-4f;

    /// <summary>Rescales a step's gradient when its global L2 norm exceeds this; 0 turns clipping off.</summary>
    public float GradientClipNorm { get; init; }

    /// <summary>Share of the training rows held out for validation when no validation set is given; 0 for none.</summary>
    public float ValidationFraction { get; init; }

    /// <summary>Stop after this many epochs without a better validation loss; 0 turns early stopping off.</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>
    /// Least fall in the validation loss below the best so far that counts as an improvement, for early stopping and for
    /// choosing the best weights (Keras' <c>min_delta</c>); 0 counts any fall.
    /// </summary>
    public float EarlyStoppingMinDelta { get; init; }

    /// <summary>After training with validation, keep the weights of the epoch with the lowest validation loss.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Seed for initialization, shuffling, dropout and augmentation; the same seed gives the same model. Null (the default)
    /// draws the seed from the MLContext at each Fit, as ML.NET's own trainers do, so <c>new MLContext(seed: 1)</c> makes
    /// runs repeatable and a different context seed gives a different network; a value here wins over the context's.
    /// </summary>
    public int? Seed { get; init; }

    /// <summary>
    /// Regression trainers learn (label - mean) / standard deviation, per component, with mean and deviation taken from the
    /// training rows in Fit and saved with the model; scores come back in the label's units, and the reported losses and RMSE
    /// are in the label's units too. False learns the raw label. Classifiers ignore it; the forecaster always standardises.
    /// </summary>
    public bool StandardizeTargets { get; init; } = true;

    /// <summary>
    /// Scoring a row with a NaN or infinite feature gives NaN scores when true; when false (the default) it throws naming
    /// the column and row, as training does. Saved with the model.
    /// </summary>
    public bool ScoreNonFiniteAsNaN { get; init; }

    /// <summary>
    /// Cancels Fit (and the forecaster's training) within one batch with an <see cref="OperationCanceledException"/>; ML.NET's
    /// <c>MLContext.CancelExecution()</c> does the same. Not saved with the model.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Kernel threads for this Fit only; null takes the process default, KernelSettings.ThreadCount (every core unless changed;
    /// under MPI, that divided by the ranks on this host). Only the speed depends on it: batches run as fixed-size
    /// sub-batches, so the trained model is the same bit for bit on any count.
    /// </summary>
    public int? ThreadCount { get; init; }

    /// <summary>
    /// Data-parallel training over MPI ranks: <see cref="DistributedMode.Auto"/> joins the world when started by mpirun
    /// (or mpiexec, srun). <see cref="BatchSize"/> is then the global batch that the ranks split between them.
    /// </summary>
    public DistributedMode Distributed { get; init; } = DistributedMode.Auto;
    /// <summary>
    /// Largest training (plus validation) data, in bytes of Single features, labels and weights, that Fit reads into memory once
    /// and reshuffles there each epoch (as <c>AppendCacheCheckpoint</c> would, but without per-row reading); larger data is
    /// streamed and shuffled through the data view every epoch. 0 always streams. Default 1 GiB.
    /// </summary>
    public long InMemoryDataLimitBytes { get; init; } = 1L << 30;

    /// <summary>Called after every training batch (progress bars, time left); the per-epoch report is the trainer's progress callback.</summary>
    public Action<BatchProgress>? BatchProgress { get; init; }

    /// <summary>CSV file that receives one row per epoch as training goes (see the README for its columns); null writes none.</summary>
    public string? TrainingLogPath { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public virtual void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(LabelColumnName), nameof(LabelColumnName), LabelColumnName, "a column name");
        Require(!string.IsNullOrWhiteSpace(FeatureColumnName), nameof(FeatureColumnName), FeatureColumnName, "a column name");
        Require(ExampleWeightColumnName is null || !string.IsNullOrWhiteSpace(ExampleWeightColumnName), nameof(ExampleWeightColumnName),
            ExampleWeightColumnName, "null or a column name");
        Require(ClassWeights is null || (ClassWeights.Count > 0 && ClassWeights.All(w => float.IsFinite(w) && w >= 0) && ClassWeights.Any(w => w > 0)),
            nameof(ClassWeights), ClassWeights is null ? null : $"[{string.Join(", ", ClassWeights)}]", "null or finite weights, zero or more, not all zero");
        Require(ClassWeights is null || !BalanceClasses, nameof(BalanceClasses), BalanceClasses, "false when ClassWeights are given (choose one)");
        Require(Epochs >= 1, nameof(Epochs), Epochs, "at least 1");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Require(Enum.IsDefined(Optimizer), nameof(Optimizer), Optimizer, "Sgd, Adam, AdamW or RmsProp");
        Require(float.IsFinite(LearningRate) && LearningRate > 0, nameof(LearningRate), LearningRate, "a positive number");
        Require(float.IsFinite(Momentum) && Momentum >= 0 && Momentum < 1, nameof(Momentum), Momentum, "in [0, 1)");
        Require(float.IsFinite(WeightDecay) && WeightDecay >= 0, nameof(WeightDecay), WeightDecay, "zero or positive");
        Require(Enum.IsDefined(Schedule), nameof(Schedule), Schedule, "Constant, Step, Cosine or ReduceOnPlateau");
        Require(StepEpochs >= 1, nameof(StepEpochs), StepEpochs, "at least 1");
        Require(float.IsFinite(StepGamma) && StepGamma > 0 && StepGamma <= 1, nameof(StepGamma), StepGamma, "in (0, 1]");
        Require(float.IsFinite(MinLearningRate) && MinLearningRate >= 0 && MinLearningRate <= LearningRate,
            nameof(MinLearningRate), MinLearningRate, "in [0, LearningRate]");
        Require(float.IsFinite(GradientClipNorm) && GradientClipNorm >= 0, nameof(GradientClipNorm), GradientClipNorm, "zero (off) or positive");
        Require(float.IsFinite(ValidationFraction) && ValidationFraction >= 0 && ValidationFraction < 1,
            nameof(ValidationFraction), ValidationFraction, "in [0, 1)");
        Require(float.IsFinite(PlateauFactor) && PlateauFactor > 0 && PlateauFactor < 1, nameof(PlateauFactor), PlateauFactor, "in (0, 1)");
        Require(PlateauPatience >= 1, nameof(PlateauPatience), PlateauPatience, "at least 1");
        Require(PlateauCooldown >= 0, nameof(PlateauCooldown), PlateauCooldown, "zero or positive");
        Require(float.IsFinite(PlateauMinDelta) && PlateauMinDelta >= 0, nameof(PlateauMinDelta), PlateauMinDelta, "zero or positive");
        Require(float.IsFinite(EarlyStoppingMinDelta) && EarlyStoppingMinDelta >= 0, nameof(EarlyStoppingMinDelta), EarlyStoppingMinDelta, "zero or positive");
        Require(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "zero (off) or positive");
        Require(ThreadCount is null or >= 1, nameof(ThreadCount), ThreadCount!, "null or at least 1");
        Require(Enum.IsDefined(Distributed), nameof(Distributed), Distributed, "Auto, None or Mpi");
        Require(InMemoryDataLimitBytes >= 0, nameof(InMemoryDataLimitBytes), InMemoryDataLimitBytes, "zero (always stream) or a byte count");
        Require(TrainingLogPath is null || !string.IsNullOrWhiteSpace(TrainingLogPath), nameof(TrainingLogPath), TrainingLogPath, "null or a file path");
    }

    /// <summary>Throws the <see cref="ArgumentException"/> every option check uses.</summary>
    protected static void Require(bool condition, string option, object? value, string expected)
    {
        if (!condition)
            throw new ArgumentException($"Option {option} is {value ?? "null"}; expected {expected}.", option);
    }
}
