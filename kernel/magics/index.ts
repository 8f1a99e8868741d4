// Every magic registers itself through lib's registerMagic, grouped by theme as in IPython's core/magics.
import './basic';
import './timing';
import './namespace';
import './system';
import './display';
import './ml';
import './data';
import './model';
import './versions';
import './viz';
import './serve';
