using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Lstm;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Scoring;

/// <summary>
/// Transform scores blocks of rows as one batch (128 rows a block); PredictionEngine and ML.NET's own scorer (the
/// base transformer's Transform) score one row at a time. The two must agree to 1e-5 relative, each bit-identical run to
/// run, on partial blocks and row counts that are not a multiple of the block, with the upstream columns passed through.
/// </summary>
public sealed class BatchedTransformTests : IClassFixture<BatchedTransformTests.Models>
{
    // Batched and per-row scoring sum in different orders (GEMM blocks vs GEMV); 1e-5 relative is the stated tolerance.
    private const float Tolerance = 1e-5f;

    private readonly Models _models;

    public BatchedTransformTests(Models models) => _models = models;

    /// <summary>One small network per task, trained once.</summary>
    public sealed class Models
    {
        public Models()
        {
            ML = new MLContext(seed: 1);
            IDataView digits = Digits.ImageView(ML, 0, 300);
            Cnn = ML.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
                .Append(ML.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 1)))
                .Fit(digits);
            Binary = ML.BinaryClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 1) with { LabelColumnName = nameof(DigitRow.IsZero) })
                .Fit(digits);
            Sequences = SequenceView(ML, Lstm.Sequences.Make(200, 3, 8, 5));
            var lstm = new LstmOptions
            {
                FeatureColumnName = nameof(SequenceRow.Values), FeaturesPerStep = 2, VariableLength = true, HiddenSize = 16,
                Epochs = 1, BatchSize = 16, LearningRate = 1e-2f, Seed = 3,
            };
            LstmClassifier = ML.Transforms.Conversion.MapValueToKey("Label", nameof(SequenceRow.Class))
                .Append(ML.MulticlassClassification.Trainers.Lstm(lstm))
                .Fit(Sequences);
            LstmRegression = ML.Regression.Trainers.Lstm(lstm with { LabelColumnName = nameof(SequenceRow.Target) }).Fit(Sequences);
        }

        public MLContext ML { get; }
        public TransformerChain<MulticlassNetworkPredictionTransformer> Cnn { get; }
        public BinaryNetworkPredictionTransformer Binary { get; }
        public IDataView Sequences { get; }
        public TransformerChain<MulticlassNetworkPredictionTransformer> LstmClassifier { get; }
        public RegressionNetworkPredictionTransformer LstmRegression { get; }
    }

    /// <summary>A multiclass prediction.</summary>
    public sealed class ClassPrediction
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }

    /// <summary>A binary prediction.</summary>
    public sealed class BinaryPrediction
    {
        public float Score { get; set; }
        public float Probability { get; set; }
        public bool PredictedLabel { get; set; }
    }

    /// <summary>A regression prediction.</summary>
    public sealed class ValuePrediction
    {
        public float Score { get; set; }
    }

    private static IDataView SequenceView(MLContext ml, SequenceRow[] rows) =>
        ml.Data.LoadFromEnumerable(rows, SchemaDefinition.Create(typeof(SequenceRow)));

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(128)]
    [InlineData(300)]
    public void CnnTransformMatchesPredictionEngineAndMLNetsScorerOnEveryBlockShape(int rows)
    {
        MLContext ml = _models.ML;
        IDataView test = Digits.ImageView(ml, 9000, rows);
        IDataView scored = _models.Cnn.Transform(test);
        Assert.Equal("BatchScoringDataView", scored.GetType().Name);
        Assert.Equal(rows, scored.GetColumn<float[]>("Score").Count());

        // ML.NET's per-row scorer: the base class's Transform, which the batched one replaces.
        var chain = _models.Cnn.Take(_models.Cnn.Count() - 1).Select(t => t).ToArray();
        IDataView upstream = test;
        foreach (ITransformer t in chain)
            upstream = t.Transform(upstream);
        IDataView perRow = ((SingleFeaturePredictionTransformerBase<MulticlassNetworkModelParameters>)_models.Cnn.LastTransformer).Transform(upstream);

        Assert.Equal(perRow.Schema.Select(c => (c.Name, c.Type.ToString(), c.IsHidden)), scored.Schema.Select(c => (c.Name, c.Type.ToString(), c.IsHidden)));
        AssertClose(perRow.GetColumn<float[]>("Score").ToArray(), scored.GetColumn<float[]>("Score").ToArray());
        Assert.Equal(perRow.GetColumn<uint>("PredictedLabel").ToArray(), scored.GetColumn<uint>("PredictedLabel").ToArray());
        // Upstream columns pass through unchanged (a vector, a key, a Boolean and a float).
        Assert.Equal(perRow.GetColumn<float[]>("Pixels").ToArray(), scored.GetColumn<float[]>("Pixels").ToArray());
        Assert.Equal(perRow.GetColumn<uint>("Label").ToArray(), scored.GetColumn<uint>("Label").ToArray());
        Assert.Equal(perRow.GetColumn<bool>("IsZero").ToArray(), scored.GetColumn<bool>("IsZero").ToArray());
        Assert.Equal(perRow.GetColumn<float>("Ink").ToArray(), scored.GetColumn<float>("Ink").ToArray());

        var engine = ml.Model.CreatePredictionEngine<DigitRow, ClassPrediction>(_models.Cnn, inputSchemaDefinition: Digits.ImageSchema());
        ClassPrediction[] single = Digits.Rows(9000, rows).Select(engine.Predict).ToArray();
        AssertClose(single.Select(p => p.Score).ToArray(), scored.GetColumn<float[]>("Score").ToArray());
        Assert.Equal(single.Select(p => p.PredictedLabel), scored.GetColumn<uint>("PredictedLabel"));
    }

    [Fact]
    public void BatchedAndSingleRowScoresAreEachBitIdenticalRunToRun()
    {
        MLContext ml = _models.ML;
        IDataView test = Digits.ImageView(ml, 9000, 300);
        float[][] first = _models.Cnn.Transform(test).GetColumn<float[]>("Score").ToArray();
        float[][] second = _models.Cnn.Transform(test).GetColumn<float[]>("Score").ToArray();
        Assert.Equal(Bits(first), Bits(second));
        var engine = ml.Model.CreatePredictionEngine<DigitRow, ClassPrediction>(_models.Cnn, inputSchemaDefinition: Digits.ImageSchema());
        DigitRow[] rows = Digits.Rows(9000, 20);
        Assert.Equal(Bits(rows.Select(r => engine.Predict(r).Score).ToArray()), Bits(rows.Select(r => engine.Predict(r).Score).ToArray()));
    }

    [Fact]
    public void ACursorSetGivesTheSingleCursorsScoresBitForBit()
    {
        IDataView scored = _models.Cnn.Transform(Digits.ImageView(_models.ML, 9000, 300));
        float[][] single = scored.GetColumn<float[]>("Score").ToArray();
        DataViewSchema.Column score = scored.Schema["Score"];
        var fromSet = new List<float[]>();
        foreach (DataViewRowCursor cursor in scored.GetRowCursorSet([score], 4))
        {
            using (cursor)
            {
                var getter = cursor.GetGetter<VBuffer<float>>(score);
                VBuffer<float> value = default;
                while (cursor.MoveNext())
                {
                    getter(ref value);
                    fromSet.Add(value.DenseValues().ToArray());
                }
            }
        }
        Assert.Equal(Bits(single), Bits(fromSet.ToArray()));
    }

    [Fact]
    public void CursorsOpenAtOnceAndCursorsThatReuseAClosedOnesSessionScoreAlike()
    {
        // Sessions are pooled per model: two live cursors must not share one, and a session handed on must not carry
        // anything of its last block (a short last block leaves stale rows behind it).
        IDataView scored = _models.Cnn.Transform(Digits.ImageView(_models.ML, 9000, 300));
        float[][] single = scored.GetColumn<float[]>("Score").ToArray();
        DataViewSchema.Column score = scored.Schema["Score"];
        var first = new List<float[]>();
        var second = new List<float[]>();
        using (DataViewRowCursor a = scored.GetRowCursor([score]))
        using (DataViewRowCursor b = scored.GetRowCursor([score]))
        {
            var getA = a.GetGetter<VBuffer<float>>(score);
            var getB = b.GetGetter<VBuffer<float>>(score);
            VBuffer<float> value = default;
            while (a.MoveNext())
            {
                getA(ref value);
                first.Add(value.DenseValues().ToArray());
                // b runs one block behind a, so the two sessions are in use at the same time.
                if (first.Count > 128 && b.MoveNext())
                {
                    getB(ref value);
                    second.Add(value.DenseValues().ToArray());
                }
            }
            while (b.MoveNext())
            {
                getB(ref value);
                second.Add(value.DenseValues().ToArray());
            }
        }
        Assert.Equal(Bits(single), Bits(first.ToArray()));
        Assert.Equal(Bits(single), Bits(second.ToArray()));
        float[][] reusedShort = _models.Cnn.Transform(Digits.ImageView(_models.ML, 9100, 70)).GetColumn<float[]>("Score").ToArray();
        Assert.Equal(Bits(single[100..170]), Bits(reusedShort));
        Assert.Equal(Bits(single), Bits(scored.GetColumn<float[]>("Score").ToArray()));
    }

    [Fact]
    public void CursorsWithoutScoreColumnsAndShuffledCursorsStillWork()
    {
        IDataView test = Digits.ImageView(_models.ML, 9000, 150);
        IDataView scored = _models.Cnn.Transform(test);
        Assert.Equal(test.GetColumn<float>("Ink"), scored.GetColumn<float>("Ink"));
        Assert.Equal(150, scored.GetRowCount());
        // A shuffled read scores the same rows: each row's scores follow its features, whatever block it lands in.
        IDataView shuffled = _models.ML.Data.ShuffleRows(scored, seed: 3);
        var byInk = scored.GetColumn<float>("Ink").Zip(scored.GetColumn<uint>("PredictedLabel")).OrderBy(p => p.First).ToArray();
        var shuffledByInk = shuffled.GetColumn<float>("Ink").Zip(shuffled.GetColumn<uint>("PredictedLabel")).OrderBy(p => p.First).ToArray();
        Assert.Equal(byInk, shuffledByInk);
    }

    [Fact]
    public void EvaluateMapKeyToValueAndSaveLoadWorkOnTheBatchedOutput()
    {
        MLContext ml = _models.ML;
        IDataView test = Digits.ImageView(ml, 9000, 200);
        IDataView scored = _models.Cnn.Transform(test);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        IDataView upstream = _models.Cnn.First().Transform(test);
        var perRow = ml.MulticlassClassification.Evaluate(
            ((SingleFeaturePredictionTransformerBase<MulticlassNetworkModelParameters>)_models.Cnn.LastTransformer).Transform(upstream));
        Assert.Equal(perRow.MicroAccuracy, metrics.MicroAccuracy);
        Assert.Equal(perRow.LogLoss, metrics.LogLoss, 1e-5);

        uint[] digits = ml.Transforms.Conversion.MapKeyToValue("Digit2", "PredictedLabel").Fit(scored).Transform(scored)
            .GetColumn<uint>("Digit2").ToArray();
        Assert.Equal(200, digits.Length);
        Assert.All(digits, d => Assert.InRange(d, 0u, 9u));

        var stream = new MemoryStream();
        ml.Model.Save(_models.Cnn, test.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = ml.Model.Load(stream, out _);
        Assert.IsType<MulticlassNetworkPredictionTransformer>(((TransformerChain<ITransformer>)loaded).LastTransformer);
        Assert.Equal(Bits(scored.GetColumn<float[]>("Score").ToArray()), Bits(loaded.Transform(test).GetColumn<float[]>("Score").ToArray()));
    }

    [Fact]
    public void ABadRowFailsAtItsOwnRowAsInPerRowScoringNotAtTheStartOfItsBlock()
    {
        MLContext ml = _models.ML;
        DigitRow[] rows = Digits.Rows(9000, 200);
        rows[150] = new DigitRow { Pixels = (float[])rows[150].Pixels.Clone(), Digit = rows[150].Digit };
        rows[150].Pixels[17] = float.NaN;
        IDataView scored = _models.Cnn.Transform(ml.Data.LoadFromEnumerable(rows, Digits.ImageSchema()));
        DataViewSchema.Column score = scored.Schema["Score"];
        using DataViewRowCursor cursor = scored.GetRowCursor([score]);
        var getter = cursor.GetGetter<VBuffer<float>>(score);
        VBuffer<float> value = default;
        // Rows 128-149 share the bad row's block and still score.
        for (int r = 0; r < 150; r++)
        {
            Assert.True(cursor.MoveNext());
            getter(ref value);
        }
        Assert.True(cursor.MoveNext());
        var batched = Assert.Throws<InvalidOperationException>(() => getter(ref value));
        var engine = ml.Model.CreatePredictionEngine<DigitRow, ClassPrediction>(_models.Cnn, inputSchemaDefinition: Digits.ImageSchema());
        var single = Assert.Throws<InvalidOperationException>(() => engine.Predict(rows[150]));
        Assert.Equal(single.Message, batched.Message);
        Assert.True(cursor.MoveNext());
        getter(ref value);
        Assert.All(value.DenseValues(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void BinaryTransformMatchesPredictionEngineForScoreProbabilityAndLabel()
    {
        MLContext ml = _models.ML;
        IDataView scored = _models.Binary.Transform(Digits.ImageView(ml, 9000, 200));
        var engine = ml.Model.CreatePredictionEngine<DigitRow, BinaryPrediction>(_models.Binary, inputSchemaDefinition: Digits.ImageSchema());
        BinaryPrediction[] single = Digits.Rows(9000, 200).Select(engine.Predict).ToArray();
        AssertClose(single.Select(p => new[] { p.Score }).ToArray(), scored.GetColumn<float>("Score").Select(s => new[] { s }).ToArray());
        AssertClose(single.Select(p => new[] { p.Probability }).ToArray(), scored.GetColumn<float>("Probability").Select(s => new[] { s }).ToArray());
        Assert.Equal(single.Select(p => p.PredictedLabel), scored.GetColumn<bool>("PredictedLabel"));
        var metrics = ml.BinaryClassification.Evaluate(scored, nameof(DigitRow.IsZero));
        Assert.InRange(metrics.AreaUnderRocCurve, 0.5, 1.0);
    }

    [Fact]
    public void VariableLengthLstmTransformMatchesPredictionEngine()
    {
        MLContext ml = _models.ML;
        SequenceRow[] rows = Lstm.Sequences.Make(150, 3, 8, 11);
        IDataView test = SequenceView(ml, rows);
        var classes = ml.Model.CreatePredictionEngine<SequenceRow, ClassPrediction>(_models.LstmClassifier);
        IDataView scored = _models.LstmClassifier.Transform(test);
        AssertClose(rows.Select(r => classes.Predict(r).Score).ToArray(), scored.GetColumn<float[]>("Score").ToArray());
        Assert.Equal(Bits(scored.GetColumn<float[]>("Score").ToArray()), Bits(_models.LstmClassifier.Transform(test).GetColumn<float[]>("Score").ToArray()));

        var values = ml.Model.CreatePredictionEngine<SequenceRow, ValuePrediction>(_models.LstmRegression);
        AssertClose(rows.Select(r => new[] { values.Predict(r).Score }).ToArray(),
            _models.LstmRegression.Transform(test).GetColumn<float>("Score").Select(s => new[] { s }).ToArray());
        var metrics = ml.Regression.Evaluate(_models.LstmRegression.Transform(test), nameof(SequenceRow.Target));
        Assert.True(double.IsFinite(metrics.RootMeanSquaredError));
    }

    private static void AssertClose(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int r = 0; r < expected.Length; r++)
        {
            Assert.Equal(expected[r].Length, actual[r].Length);
            for (int i = 0; i < expected[r].Length; i++)
            {
                float scale = Math.Max(Math.Abs(expected[r][i]), 1e-3f);
                Assert.True(Math.Abs(expected[r][i] - actual[r][i]) <= Tolerance * scale,
                    $"row {r}, value {i}: per-row {expected[r][i]:R}, batched {actual[r][i]:R}");
            }
        }
    }

    private static int[][] Bits(float[][] rows) => rows.Select(r => r.Select(BitConverter.SingleToInt32Bits).ToArray()).ToArray();
}
