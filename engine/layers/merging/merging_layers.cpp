// Registration of the merging layer family.
#include "engine/layers/builtin_families.h"
#include "engine/layers/layer_registry.h"
#include "engine/layers/merging/add.h"
#include "engine/layers/merging/average.h"
#include "engine/layers/merging/concatenate.h"
#include "engine/layers/merging/dot.h"
#include "engine/layers/merging/maximum.h"
#include "engine/layers/merging/minimum.h"
#include "engine/layers/merging/multiply.h"
#include "engine/layers/merging/subtract.h"

namespace strata {

void registerMergingLayers(LayerRegistry& r) {
    r.add(Concatenate::spec());
    r.add(Add::spec());
    r.add(Subtract::spec());
    r.add(Multiply::spec());
    r.add(Average::spec());
    r.add(Maximum::spec());
    r.add(Minimum::spec());
    r.add(Dot::spec());
}

}  // namespace strata
