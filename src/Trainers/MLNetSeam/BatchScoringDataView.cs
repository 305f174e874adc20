using System.Runtime.ExceptionServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Models;

namespace MLNet.Extensions.Trainers.Scoring;

/// <summary>
/// What a network prediction transformer's <c>Transform</c> returns: ML.NET's scorer output (the same schema, annotations
/// included), but its cursors read a block of rows ahead from the upstream cursor, score the block as one batch through
/// the network, and hand the rows out one by one with the upstream columns buffered for the block. Cursors that need
/// no score column are the scorer's own. A cursor set is one batched cursor: the kernels already spread each block over
/// the kernel threads, and one cursor keeps the scores bit-identical to single-cursor scoring.
/// </summary>
internal sealed class BatchScoringDataView : IDataView
{
    /// <summary>Rows scored together: large enough for the batched kernels, small enough to keep a block's activations in cache.</summary>
    public const int DefaultBlockSize = 128;

    private readonly IDataView _input;
    private readonly IDataView _scorer;
    private readonly NetworkPredictor _predictor;
    private readonly ScoreColumns _columns;
    private readonly int _featureColumn;
    private readonly int _blockSize;
    // Per output column: the input column it passes through (>= 0), or ~k for the k-th score column.
    private readonly int[] _source;

    /// <param name="input">The upstream data.</param>
    /// <param name="scorer">ML.NET's scorer applied to <paramref name="input"/>: the schema, and the cursors without scores.</param>
    /// <param name="predictor">The network.</param>
    /// <param name="columns">The task's score columns.</param>
    /// <param name="featureColumn">The feature column's name in <paramref name="input"/>.</param>
    /// <param name="blockSize">Rows read ahead and scored together.</param>
    public BatchScoringDataView(IDataView input, IDataView scorer, NetworkPredictor predictor, ScoreColumns columns,
        string featureColumn, int blockSize = DefaultBlockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _input = input;
        _scorer = scorer;
        _predictor = predictor;
        _columns = columns;
        _blockSize = blockSize;
        _featureColumn = input.Schema[featureColumn].Index;
        _source = MapColumns(scorer.Schema, input.Schema, columns.Names);
    }

    /// <inheritdoc />
    public DataViewSchema Schema => _scorer.Schema;

    /// <inheritdoc />
    public bool CanShuffle => _input.CanShuffle;

    /// <inheritdoc />
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        if (!needed.Any(c => _source[c] < 0))
            return _scorer.GetRowCursor(needed.Select(c => Schema[c]), rand);
        var upstream = needed.Where(c => _source[c] >= 0).Select(c => _source[c]).Append(_featureColumn).ToHashSet();
        DataViewRowCursor cursor = _input.GetRowCursor(upstream.Select(c => _input.Schema[c]), rand);
        return new Cursor(this, cursor, needed);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    // ML.NET's column bindings: the input columns in order, each new column right after the input column it hides,
    // the other new columns at the end.
    private static int[] MapColumns(DataViewSchema output, DataViewSchema input, IReadOnlyList<string> scoreNames)
    {
        var map = new int[output.Count];
        int next = 0;
        for (int c = 0; c < output.Count; c++)
        {
            int k = IndexOf(scoreNames, output[c].Name);
            bool isScore = k >= 0 && output.GetColumnOrNull(output[c].Name)?.Index == c;
            map[c] = isScore ? ~k : next++;
        }
        if (next != input.Count)
            throw new InvalidOperationException($"The scorer's schema has {next} columns from its input; the input has {input.Count}.");
        return map;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (names[i] == name)
                return i;
        }
        return -1;
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchScoringDataView _parent;
        private readonly DataViewRowCursor _input;
        private readonly HashSet<int> _active;
        private readonly BufferedColumn?[] _buffers;
        private readonly ValueGetter<VBuffer<float>> _features;
        private readonly ValueGetter<DataViewRowId> _idGetter;
        private readonly BatchPredictorSession _session;
        private readonly int _inputSize;
        private readonly int _outputSize;
        private readonly float[] _rows;
        private readonly int[] _lengths;
        private readonly float[] _nan;
        private readonly DataViewRowId[] _ids;
        // Per slot: the row's place in the scored batch, -1 for a row scored as NaN, -2 for a row whose check failed.
        private readonly int[] _scored;
        private readonly Exception?[] _errors;
        private float[] _outputs = [];
        private VBuffer<float> _read;
        private int _count;
        private int _slot = -1;
        private long _position = -1;
        private bool _upstreamDone;
        private bool _disposed;

        public Cursor(BatchScoringDataView parent, DataViewRowCursor input, HashSet<int> active)
        {
            _parent = parent;
            _input = input;
            _active = active;
            int capacity = parent._blockSize;
            _buffers = new BufferedColumn?[parent._source.Length];
            foreach (int c in active)
            {
                if (parent._source[c] >= 0)
                    _buffers[c] = BufferedColumn.Create(input, input.Schema[parent._source[c]], capacity);
            }
            _features = input.GetGetter<VBuffer<float>>(input.Schema[parent._featureColumn]);
            _idGetter = input.GetIdGetter();
            _session = parent._predictor.RentBatchSession(capacity);
            _inputSize = parent._predictor.InputSize;
            _outputSize = parent._predictor.OutputSize;
            _rows = _session.Rows;
            _lengths = _session.Lengths;
            _nan = new float[_outputSize];
            Array.Fill(_nan, float.NaN);
            _ids = new DataViewRowId[capacity];
            _scored = new int[capacity];
            _errors = new Exception?[capacity];
        }

        public override DataViewSchema Schema => _parent.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_disposed)
                return false;
            if (_slot + 1 < _count || (!_upstreamDone && Fill()))
            {
                _slot++;
                _position++;
                return true;
            }
            _slot = _count;
            _position = -1;
            return false;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when this cursor was made.");
            int source = _parent._source[column.Index];
            Delegate getter = source >= 0
                ? _buffers[column.Index]!.Getter(() => _slot)
                : _parent._columns.Getter(~source, CurrentScores);
            return getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' holds {column.Type}, not {typeof(TValue).Name}.");
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = _ids[_slot];

        protected override void Dispose(bool disposing)
        {
            if (_disposed)
                return;
            if (disposing)
            {
                _input.Dispose();
                _parent._predictor.ReturnBatchSession(_session);
            }
            _disposed = true;
            base.Dispose(disposing);
        }

        private ReadOnlySpan<float> CurrentScores()
        {
            int scored = _scored[_slot];
            if (scored >= 0)
                return _outputs.AsSpan(scored * _outputSize, _outputSize);
            if (scored == -1)
                return _nan;
            // The check failed when the block was read; it surfaces where per-row scoring would raise it.
            ExceptionDispatchInfo.Throw(_errors[_slot]!);
            return default;
        }

        // Reads up to a block of rows and scores those that pass the row checks as one batch.
        private bool Fill()
        {
            _count = 0;
            _slot = -1;
            int batch = 0;
            NetworkPredictor predictor = _parent._predictor;
            int capacity = _parent._blockSize;
            while (_count < capacity)
            {
                if (!_input.MoveNext())
                {
                    _upstreamDone = true;
                    break;
                }
                int slot = _count++;
                foreach (BufferedColumn? buffer in _buffers)
                    buffer?.Read(slot);
                _idGetter(ref _ids[slot]);
                _features(ref _read);
                _errors[slot] = null;
                _scored[slot] = Check(predictor, slot, batch);
                if (_scored[slot] >= 0)
                    batch++;
            }
            if (batch > 0)
            {
                if (_outputs.Length < batch * _outputSize)
                    _outputs = new float[capacity * _outputSize];
                _session.Predict(_rows, _lengths, batch, _outputs);
                _parent._columns.Finish(_outputs.AsSpan(0, batch * _outputSize), batch, _outputSize);
            }
            return _count > 0;
        }

        // As the model's per-row mapper: copy into a zeroed row, check its length and values.
        private int Check(NetworkPredictor predictor, int slot, int batch)
        {
            Span<float> row = _rows.AsSpan(batch * _inputSize, _inputSize);
            int length = _read.Length;
            try
            {
                if (length > _inputSize)
                    throw predictor.SizeError(length);
                row.Clear();
                _read.CopyTo(row);
                if (!predictor.CheckRow(row[..length]))
                    return -1;
            }
            catch (InvalidOperationException e)
            {
                _errors[slot] = e;
                return -2;
            }
            _lengths[batch] = predictor.VariableLength ? length : _inputSize;
            return batch;
        }
    }
}
