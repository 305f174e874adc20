using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.Extensions.Trainers.Forecasting;

/// <summary>
/// The output of <see cref="LstmForecastingTransformer.Transform"/>: the input's columns plus forecast columns computed
/// by one sequential cursor that remembers the recent values (so it cannot shuffle or split across threads).
/// </summary>
internal sealed class ForecastDataView : IDataView
{
    private readonly LstmForecastingTransformer _parent;
    private readonly IDataView _input;

    public ForecastDataView(LstmForecastingTransformer parent, IDataView input, DataViewSchema schema)
    {
        _parent = parent;
        _input = input;
        Schema = schema;
    }

    public bool CanShuffle => false;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = new HashSet<int>(columnsNeeded.Select(c => c.Index));
        int inputCount = _input.Schema.Count;
        var inputColumns = _input.Schema.Where(c => needed.Contains(c.Index) || c.Name == _parent.InputColumnName && c.Index == _input.Schema[_parent.InputColumnName].Index);
        return new Cursor(this, _input.GetRowCursor(inputColumns), needed, inputCount);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly ForecastDataView _view;
        private readonly DataViewRowCursor _input;
        private readonly HashSet<int> _active;
        private readonly int _inputCount;
        private readonly ValueGetter<float> _value;
        private readonly LstmForecastModel _model;
        private readonly ForecastSession _session;
        private readonly float[] _recent;
        private readonly float[] _forecast, _lower, _upper;
        private int _seen;
        private long _computedAt = -1;

        public Cursor(ForecastDataView view, DataViewRowCursor input, HashSet<int> active, int inputCount)
        {
            _view = view;
            _input = input;
            _active = active;
            _inputCount = inputCount;
            _value = input.GetGetter<float>(input.Schema[view._parent.InputColumnName]);
            _model = view._parent.Model;
            _session = _model.CreateSession();
            _recent = new float[_model.HistoryLength];
            _forecast = new float[_model.Horizon];
            _lower = new float[_model.Horizon];
            _upper = new float[_model.Horizon];
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (!_input.MoveNext())
                return false;
            float value = 0;
            _value(ref value);
            if (_seen < _recent.Length)
            {
                _recent[_seen++] = value;
            }
            else
            {
                Array.Copy(_recent, 1, _recent, 0, _recent.Length - 1);
                _recent[^1] = value;
            }
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index < _inputCount)
                return _input.GetGetter<TValue>(_input.Schema[column.Index]);
            int output = column.Index - _inputCount;
            string name = _view._parent.OutputColumns[output];
            float[] source = name == _view._parent.OutputColumnName ? _forecast
                : name == _view._parent.LowerBoundColumnName ? _lower : _upper;
            ValueGetter<VBuffer<float>> getter = (ref VBuffer<float> destination) =>
            {
                Compute();
                var editor = VBufferEditor.Create(ref destination, source.Length);
                source.CopyTo(editor.Values);
                destination = editor.Commit();
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }

        private void Compute()
        {
            if (_computedAt == Position)
                return;
            _computedAt = Position;
            if (_seen < _recent.Length)
            {
                Array.Fill(_forecast, float.NaN);
                Array.Fill(_lower, float.NaN);
                Array.Fill(_upper, float.NaN);
                return;
            }
            _model.Forecast(_session, _recent, _forecast, _lower, _upper);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
                _input.Dispose();
            base.Dispose(disposing);
        }
    }
}
