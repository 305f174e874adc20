using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Extensions.Trainers.Scoring;

/// <summary>The current row's scores in a batched cursor (after <see cref="ScoreColumns.Finish"/>; NaN for a row scored as NaN).</summary>
internal delegate ReadOnlySpan<float> CurrentScores();

/// <summary>
/// How a task turns a network's outputs into the columns ML.NET's scorer for that task adds, computed exactly as that
/// scorer computes them from the model's per-row mapper, so batched and per-row scoring give the same columns.
/// </summary>
internal abstract class ScoreColumns
{
    /// <summary>The columns the task's scorer adds, by name.</summary>
    public abstract IReadOnlyList<string> Names { get; }

    /// <summary>Turns a block's raw outputs (rows, outputSize) into scores in place, as the model's mapper does per row.</summary>
    public virtual void Finish(Span<float> outputs, int rows, int outputSize)
    {
    }

    /// <summary>The getter of column <see cref="Names"/>[<paramref name="which"/>].</summary>
    public abstract Delegate Getter(int which, CurrentScores current);

    /// <summary>Multiclass: Score is the softmax vector, PredictedLabel the key of its first maximum (0 when all are NaN).</summary>
    public sealed class Multiclass(string score, string predictedLabel) : ScoreColumns
    {
        public override IReadOnlyList<string> Names { get; } = [score, predictedLabel];

        public override void Finish(Span<float> outputs, int rows, int outputSize) =>
            Kernels.Losses.SoftmaxCrossEntropy.Softmax(rows, outputSize, outputs, outputs);

        public override Delegate Getter(int which, CurrentScores current) => which == 0
            ? (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                ReadOnlySpan<float> scores = current();
                var editor = VBufferEditor.Create(ref value, scores.Length);
                scores.CopyTo(editor.Values);
                value = editor.Commit();
            })
            : (ValueGetter<uint>)((ref uint value) =>
            {
                int index = ArgMax(current());
                value = index < 0 ? 0 : (uint)index + 1;
            });

        // ML.NET's MathUtils.ArgMax: the first index of the maximum, NaNs ignored, -1 when all are NaN.
        private static int ArgMax(ReadOnlySpan<float> values)
        {
            int best = -1;
            float max = float.NegativeInfinity;
            for (int i = values.Length - 1; i >= 0; i--)
            {
                if (max <= values[i])
                {
                    best = i;
                    max = values[i];
                }
            }
            return best;
        }
    }

    /// <summary>Binary: Score is the logit, Probability its sigmoid, PredictedLabel whether the logit exceeds the threshold.</summary>
    public sealed class Binary(float threshold) : ScoreColumns
    {
        public override IReadOnlyList<string> Names { get; } =
            [DefaultColumnNames.Score, DefaultColumnNames.Probability, DefaultColumnNames.PredictedLabel];

        public override Delegate Getter(int which, CurrentScores current) => which switch
        {
            0 => (ValueGetter<float>)((ref float value) => value = current()[0]),
            1 => (ValueGetter<float>)((ref float value) => value = 1f / (1f + MathF.Exp(-current()[0]))),
            _ => (ValueGetter<bool>)((ref bool value) => value = current()[0] > threshold),
        };
    }

    /// <summary>Regression: Score is the network's output.</summary>
    public sealed class Regression : ScoreColumns
    {
        public override IReadOnlyList<string> Names { get; } = [DefaultColumnNames.Score];

        public override Delegate Getter(int which, CurrentScores current) =>
            (ValueGetter<float>)((ref float value) => value = current()[0]);
    }
}
