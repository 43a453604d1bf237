// Registration of the recurrent layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/recurrent/bidirectional.h"
#include "engine/layers/recurrent/gru.h"
#include "engine/layers/recurrent/lstm.h"
#include "engine/layers/recurrent/simple_rnn.h"
#include "engine/layers/recurrent/time_distributed.h"

namespace strata {

void registerRecurrentLayers(LayerRegistry& r) {
    r.add(SimpleRNN::spec());
    r.add(LSTM::spec());
    r.add(GRU::spec());
    r.add(Bidirectional::spec());
    r.add(TimeDistributed::spec());
}

}  // namespace strata
